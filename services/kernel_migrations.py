"""Frozen migration steps for the kernel tables, called from each service's revisions.

These are snapshots: when the kernel tables change, add the next step (`upgrade_v4`) here and a
new revision in every service, never edit an existing step. v1 (each service's first revision)
creates the tables; v2 (`<schema>_outbox_traceparent`) carries trace context on outbox events;
v3 (`<schema>_audit_sealing`) moves the audit chain off the request path; v4
(`<schema>_changes_webhooks`) adds the change feed's log and cursors and webhook subscriptions;
v5 (`<schema>_access_log_time`) indexes the audit log by time for the access log's reads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.audit_ddl import (
    create_audit_guards_sql,
    create_sealing_guards_sql,
    drop_audit_guards_sql,
    drop_sealing_guards_sql,
    quoted_identifier,
)


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


def upgrade_v2(schema: str) -> None:
    """Add the writing request's W3C traceparent to outbox events."""
    op.add_column("outbox_event", sa.Column("traceparent", sa.Text(), nullable=True), schema=schema)


def downgrade_v2(schema: str) -> None:
    """Drop what upgrade_v2 added."""
    op.drop_column("outbox_event", "traceparent", schema=schema)


_AUDIT_CONTENT = (
    "id, occurred_at, actor_subject, actor_practitioner_id, action, resource_type, resource_id,"
    " case_id, purpose, outcome, request_id, details"
)


def upgrade_v3(schema: str) -> None:
    """Seal the audit chain off the request path: rows go in unsealed, a sealer chains them.

    Existing rows keep their seq and hashes (the canonical form is unchanged) and take their
    seq as position, so the log's order is preserved. The table is rewritten once.
    """
    q = quoted_identifier(schema)
    for statement in drop_audit_guards_sql(schema):
        op.execute(statement)
    op.drop_index("ix_audit_log_actor_subject_seq", table_name="audit_log", schema=schema)
    op.drop_index("ix_audit_log_case_id_seq", table_name="audit_log", schema=schema)
    op.drop_constraint("pk_audit_log", "audit_log", type_="primary", schema=schema)
    op.add_column("audit_log", sa.Column("position", sa.BigInteger(), nullable=True), schema=schema)
    op.add_column("audit_log", sa.Column("txid", sa.BigInteger(), nullable=True), schema=schema)
    # S608 does not apply to these statements: the schema is a checked identifier from code.
    op.execute(f"UPDATE {q}.audit_log SET position = seq")  # noqa: S608
    op.alter_column("audit_log", "position", nullable=False, schema=schema)
    op.execute(f"ALTER TABLE {q}.audit_log ALTER COLUMN position ADD GENERATED ALWAYS AS IDENTITY")
    op.execute(
        f"SELECT setval(pg_get_serial_sequence('{q}.audit_log', 'position'),"  # noqa: S608
        f" coalesce(max(position), 0) + 1, false) FROM {q}.audit_log"
    )
    op.create_primary_key("pk_audit_log", "audit_log", ["position"], schema=schema)
    for column in ("seq", "prev_hash", "hash"):
        op.alter_column("audit_log", column, nullable=True, schema=schema)
    op.create_unique_constraint("uq_audit_log_seq", "audit_log", ["seq"], schema=schema)
    op.create_check_constraint(
        op.f("ck_audit_log_sealed_together"),
        "audit_log",
        "(seq IS NULL) = (prev_hash IS NULL) AND (seq IS NULL) = (hash IS NULL)",
        schema=schema,
    )
    op.create_index(
        "ix_audit_log_case_id_position", "audit_log", ["case_id", "position"], schema=schema
    )
    op.create_index(
        "ix_audit_log_actor_subject_position",
        "audit_log",
        ["actor_subject", "position"],
        schema=schema,
    )
    op.create_index(
        "ix_audit_log_unsealed",
        "audit_log",
        ["txid", "position"],
        postgresql_where=sa.text("seq IS NULL"),
        schema=schema,
    )
    for statement in create_sealing_guards_sql(schema):
        op.execute(statement)


def downgrade_v3(schema: str) -> None:
    """Return to v2; rows not yet sealed are re-inserted, in sealing order, to be chained."""
    q = quoted_identifier(schema)
    for statement in drop_sealing_guards_sql(schema):
        op.execute(statement)
    op.execute(
        f"CREATE TEMPORARY TABLE audit_log_unsealed AS SELECT {_AUDIT_CONTENT},"  # noqa: S608
        f" row_number() OVER (ORDER BY txid, position) AS sealing_order"
        f" FROM {q}.audit_log WHERE seq IS NULL"
    )
    op.execute(f"DELETE FROM {q}.audit_log WHERE seq IS NULL")  # noqa: S608
    op.drop_index("ix_audit_log_unsealed", table_name="audit_log", schema=schema)
    op.drop_index("ix_audit_log_actor_subject_position", table_name="audit_log", schema=schema)
    op.drop_index("ix_audit_log_case_id_position", table_name="audit_log", schema=schema)
    op.drop_constraint(
        op.f("ck_audit_log_sealed_together"), "audit_log", type_="check", schema=schema
    )
    op.drop_constraint("uq_audit_log_seq", "audit_log", type_="unique", schema=schema)
    op.drop_constraint("pk_audit_log", "audit_log", type_="primary", schema=schema)
    op.drop_column("audit_log", "txid", schema=schema)
    op.drop_column("audit_log", "position", schema=schema)
    for column in ("seq", "prev_hash", "hash"):
        op.alter_column("audit_log", column, nullable=False, schema=schema)
    op.create_primary_key("pk_audit_log", "audit_log", ["seq"], schema=schema)
    op.create_index("ix_audit_log_case_id_seq", "audit_log", ["case_id", "seq"], schema=schema)
    op.create_index(
        "ix_audit_log_actor_subject_seq", "audit_log", ["actor_subject", "seq"], schema=schema
    )
    for statement in create_audit_guards_sql(schema):
        op.execute(statement)
    # v1's trigger chains each row as it goes in, in the order given here.
    op.execute(
        f"INSERT INTO {q}.audit_log (seq, prev_hash, hash, {_AUDIT_CONTENT})"  # noqa: S608
        f" SELECT 0, '', '', {_AUDIT_CONTENT} FROM audit_log_unsealed ORDER BY sealing_order"
    )
    op.execute("DROP TABLE audit_log_unsealed")


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


def upgrade_v5(schema: str) -> None:
    """Index the audit log in the access log's order (services/access_log/query.py), so a
    page newest first, or after a cursor, reads the index rather than sorting the whole log."""
    op.create_index(
        "ix_audit_log_occurred_at_position",
        "audit_log",
        ["occurred_at", "position"],
        schema=schema,
    )


def downgrade_v5(schema: str) -> None:
    """Drop what upgrade_v5 added."""
    op.drop_index("ix_audit_log_occurred_at_position", table_name="audit_log", schema=schema)
