"""Kernel step v4 (`<schema>_changes_webhooks`): the change feed's log and cursors, webhooks."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.audit_ddl import quoted_identifier


def upgrade_v4(schema: str) -> None:
    """Add the change log and its cursors (a unit's capture triggers come with its own
    revision), the outbox's txid, and webhook subscriptions."""
    op.create_table(
        "change_log",
        sa.Column("position", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "txid",
            sa.BigInteger(),
            server_default=sa.text("pg_current_xact_id()::text::bigint"),
            nullable=False,
        ),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("record_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("scope_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("position", name="pk_change_log"),
        schema=schema,
    )
    op.create_index(
        "ix_change_log_txid_position",
        "change_log",
        ["txid", "position"],
        unique=True,
        schema=schema,
    )
    op.create_index(
        "ix_change_log_scope_id_txid_position",
        "change_log",
        ["scope_id", "txid", "position"],
        schema=schema,
    )
    op.create_table(
        "change_cursor",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("feed", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column(
            "lagging", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("sight", postgresql.JSONB(), nullable=True),
        sa.Column(
            "issued_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_change_cursor"),
        schema=schema,
    )
    op.create_index(
        "ix_change_cursor_subject_feed_issued_at",
        "change_cursor",
        ["subject", "feed", "issued_at"],
        schema=schema,
    )
    op.create_table(
        "webhook_subscription",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("secret", sa.LargeBinary(), nullable=False),
        sa.Column("previous_secret", sa.LargeBinary(), nullable=True),
        sa.Column("previous_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_txid", sa.BigInteger(), nullable=False),
        sa.Column("read_position", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint(
            "(previous_secret IS NULL) = (previous_expires_at IS NULL)",
            name=op.f("ck_webhook_subscription_previous_expires"),
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_subscription"),
        sa.UniqueConstraint("name", name="uq_webhook_subscription_name"),
        schema=schema,
    )
    op.create_table(
        "webhook_attempt",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("delivery_id", sa.BigInteger(), nullable=False),
        sa.Column("subscription_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column(
            "attempted_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.Column("status", sa.SmallInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_attempt"),
        schema=schema,
    )
    op.create_index(
        "ix_webhook_attempt_delivery_id_id",
        "webhook_attempt",
        ["delivery_id", "id"],
        schema=schema,
    )
    op.create_index(
        "ix_outbox_delivery_subscriber_id",
        "outbox_delivery",
        ["subscriber", "id"],
        schema=schema,
    )
    # Events already written belong to transactions long over: they sort first, as txid 0.
    op.add_column("outbox_event", sa.Column("txid", sa.BigInteger(), nullable=True), schema=schema)
    op.execute(f"UPDATE {quoted_identifier(schema)}.outbox_event SET txid = 0")  # noqa: S608
    op.alter_column(
        "outbox_event",
        "txid",
        nullable=False,
        server_default=sa.text("pg_current_xact_id()::text::bigint"),
        schema=schema,
    )
    op.create_index(
        "ix_outbox_event_txid_position", "outbox_event", ["txid", "position"], schema=schema
    )
    op.create_index("ix_outbox_event_time", "outbox_event", ["time"], schema=schema)


def downgrade_v4(schema: str) -> None:
    """Drop what upgrade_v4 added (a unit's capture triggers are dropped before it)."""
    op.drop_index("ix_outbox_event_time", table_name="outbox_event", schema=schema)
    op.drop_index("ix_outbox_event_txid_position", table_name="outbox_event", schema=schema)
    op.drop_column("outbox_event", "txid", schema=schema)
    op.drop_index("ix_outbox_delivery_subscriber_id", table_name="outbox_delivery", schema=schema)
    op.drop_table("webhook_attempt", schema=schema)
    op.drop_table("webhook_subscription", schema=schema)
    op.drop_table("change_cursor", schema=schema)
    op.drop_table("change_log", schema=schema)
