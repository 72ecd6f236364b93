"""Tables every service schema carries: audit log, outbox, inbox and idempotency keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    FetchedValue,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from services.change_feed.tables import CURRENT_TXID_SQL, ChangeTables, define_change_tables
from services.webhooks.tables import WebhookTables, define_webhook_tables

GENESIS_HASH = "0" * 64
AUDIT_SEALED_TOGETHER = "(seq IS NULL) = (prev_hash IS NULL) AND (seq IS NULL) = (hash IS NULL)"


@dataclass(frozen=True)
class KernelTables:
    """The kernel's tables bound to one service's metadata (and so its schema)."""

    audit_log: Table
    outbox_event: Table
    outbox_delivery: Table
    inbox_event: Table
    idempotency_key: Table
    # Kernel step v4: the change feed, and webhook subscriptions for external subscribers.
    changes: ChangeTables
    webhooks: WebhookTables


def define_kernel_tables(metadata: MetaData) -> KernelTables:
    """Declare the kernel tables on a service's metadata, where `alembic check` sees them."""
    audit_log = Table(
        "audit_log",
        metadata,
        # position orders insertion; seq, prev_hash and hash are the chain, set once by the
        # sealer (services/audit_sealer.py) after the row commits, never by the request.
        Column("position", BigInteger, Identity(always=True), primary_key=True),
        Column("seq", BigInteger, nullable=True, unique=True),
        Column("id", UUID(as_uuid=True), nullable=False, unique=True),
        # The inserting transaction, set by the trigger: the sealer keeps its rows together.
        Column("txid", BigInteger, nullable=True, server_default=FetchedValue()),
        Column("occurred_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("actor_subject", Text, nullable=False),
        Column("actor_practitioner_id", UUID(as_uuid=True), nullable=True),
        Column("action", Text, nullable=False),
        Column("resource_type", Text, nullable=False),
        Column("resource_id", Text, nullable=True),
        Column("case_id", UUID(as_uuid=True), nullable=True),
        Column("purpose", Text, nullable=False),
        Column("outcome", Text, nullable=False),
        Column("request_id", Text, nullable=False),
        Column("details", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        Column("prev_hash", Text, nullable=True),
        Column("hash", Text, nullable=True),
        CheckConstraint(AUDIT_SEALED_TOGETHER, name="sealed_together"),
        Index("ix_audit_log_case_id_position", "case_id", "position"),
        Index("ix_audit_log_actor_subject_position", "actor_subject", "position"),
        # The access log's order (kernel step v5).
        Index("ix_audit_log_occurred_at_position", "occurred_at", "position"),
        # Only the rows waiting for the sealer: small however long the log grows.
        Index("ix_audit_log_unsealed", "txid", "position", postgresql_where=text("seq IS NULL")),
    )
    outbox_event = Table(
        "outbox_event",
        metadata,
        Column("position", BigInteger, Identity(), primary_key=True),
        Column("id", UUID(as_uuid=True), nullable=False, unique=True),
        Column("type", Text, nullable=False),
        Column("source", Text, nullable=False),
        Column("subject", Text, nullable=True),
        Column("time", DateTime(timezone=True), nullable=False),
        Column("data", JSONB, nullable=False),
        Column("team_id", UUID(as_uuid=True), nullable=True),
        Column("dispatched_at", DateTime(timezone=True), nullable=True),
        # W3C traceparent of the request that wrote the event (kernel migration step v2).
        Column("traceparent", Text, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        # The writing transaction (kernel step v4): external subscriptions read the outbox in
        # commit order by (txid, position), as the change feed reads its log.
        Column("txid", BigInteger, nullable=False, server_default=text(CURRENT_TXID_SQL)),
        Index(
            "ix_outbox_event_undispatched",
            "position",
            postgresql_where=text("dispatched_at IS NULL"),
        ),
        Index("ix_outbox_event_txid_position", "txid", "position"),
        Index("ix_outbox_event_time", "time"),
    )
    outbox_delivery = Table(
        "outbox_delivery",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", UUID(as_uuid=True), nullable=False),
        Column("subscriber", Text, nullable=False),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column(
            "next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()
        ),
        Column("delivered_at", DateTime(timezone=True), nullable=True),
        Column("last_error", Text, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Index("uq_outbox_delivery_event_subscriber", "event_id", "subscriber", unique=True),
        Index(
            "ix_outbox_delivery_pending",
            "next_attempt_at",
            postgresql_where=text("delivered_at IS NULL"),
        ),
        # A subscriber's delivery log, newest first (kernel step v4).
        Index("ix_outbox_delivery_subscriber_id", "subscriber", "id"),
    )
    inbox_event = Table(
        "inbox_event",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("type", Text, nullable=False),
        Column("source", Text, nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    idempotency_key = Table(
        "idempotency_key",
        metadata,
        Column("subject", Text, primary_key=True),
        Column("key", Text, primary_key=True),
        Column("method", Text, nullable=False),
        Column("path", Text, nullable=False),
        Column("request_hash", Text, nullable=False),
        Column("response_status", SmallInteger, nullable=False),
        Column("response_headers", JSONB, nullable=False),
        Column("response_body", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Index("ix_idempotency_key_created_at", "created_at"),
    )
    return KernelTables(
        audit_log,
        outbox_event,
        outbox_delivery,
        inbox_event,
        idempotency_key,
        changes=define_change_tables(metadata),
        webhooks=define_webhook_tables(metadata),
    )
