"""Kernel step v1 (each unit's first revision): the audit log, outbox, inbox, idempotency keys."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.audit_ddl import create_audit_guards_sql, drop_audit_guards_sql


def upgrade_v1(schema: str) -> None:
    """Create audit log (with its triggers), outbox, deliveries, inbox and idempotency keys."""
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column(
            "occurred_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("actor_subject", sa.Text(), nullable=False),
        sa.Column("actor_practitioner_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("resource_type", sa.Text(), nullable=False),
        sa.Column("resource_id", sa.Text(), nullable=True),
        sa.Column("case_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("request_id", sa.Text(), nullable=False),
        sa.Column(
            "details", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("prev_hash", sa.Text(), nullable=False),
        sa.Column("hash", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
        sa.UniqueConstraint("id", name="uq_audit_log_id"),
        schema=schema,
    )
    op.create_index("ix_audit_log_case_id_seq", "audit_log", ["case_id", "seq"], schema=schema)
    op.create_index(
        "ix_audit_log_actor_subject_seq", "audit_log", ["actor_subject", "seq"], schema=schema
    )
    for statement in create_audit_guards_sql(schema):
        op.execute(statement)

    op.create_table(
        "outbox_event",
        sa.Column("position", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", postgresql.JSONB(), nullable=False),
        sa.Column("team_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("position", name="pk_outbox_event"),
        sa.UniqueConstraint("id", name="uq_outbox_event_id"),
        schema=schema,
    )
    op.create_index(
        "ix_outbox_event_undispatched",
        "outbox_event",
        ["position"],
        postgresql_where=sa.text("dispatched_at IS NULL"),
        schema=schema,
    )
    op.create_table(
        "outbox_delivery",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("subscriber", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_delivery"),
        schema=schema,
    )
    op.create_index(
        "uq_outbox_delivery_event_subscriber",
        "outbox_delivery",
        ["event_id", "subscriber"],
        unique=True,
        schema=schema,
    )
    op.create_index(
        "ix_outbox_delivery_pending",
        "outbox_delivery",
        ["next_attempt_at"],
        postgresql_where=sa.text("delivered_at IS NULL"),
        schema=schema,
    )
    op.create_table(
        "inbox_event",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_inbox_event"),
        schema=schema,
    )
    op.create_table(
        "idempotency_key",
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("request_hash", sa.Text(), nullable=False),
        sa.Column("response_status", sa.SmallInteger(), nullable=False),
        sa.Column("response_headers", postgresql.JSONB(), nullable=False),
        sa.Column("response_body", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("subject", "key", name="pk_idempotency_key"),
        schema=schema,
    )
    op.create_index(
        "ix_idempotency_key_created_at", "idempotency_key", ["created_at"], schema=schema
    )


def downgrade_v1(schema: str) -> None:
    """Drop what upgrade_v1 created (the audit log only through this deliberate path)."""
    op.drop_table("idempotency_key", schema=schema)
    op.drop_table("inbox_event", schema=schema)
    op.drop_table("outbox_delivery", schema=schema)
    op.drop_table("outbox_event", schema=schema)
    for statement in drop_audit_guards_sql(schema):
        op.execute(statement)
    op.drop_table("audit_log", schema=schema)
