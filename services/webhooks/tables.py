"""Webhook subscriptions and their delivery attempts, declared once for every unit's schema.

Deliveries themselves are the outbox's (`outbox_delivery`, subscriber `webhook:<id>`): one
relay, one retry and dead-letter discipline for the units' own subscriptions and the external
ones alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
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
from sqlalchemy.dialects.postgresql import ARRAY, UUID


@dataclass(frozen=True)
class WebhookTables:
    """The webhook tables, bound to one unit's metadata."""

    subscription: Table
    attempt: Table


def define_webhook_tables(metadata: MetaData) -> WebhookTables:
    """Declare the webhook tables on a unit's metadata."""
    subscription = Table(
        "webhook_subscription",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("name", Text, nullable=False, unique=True),
        Column("url", Text, nullable=False),
        # Event types, exact or a prefix ending in ".*".
        Column("event_types", ARRAY(Text), nullable=False),
        Column("description", Text, nullable=True),
        # Paused: events still queue for the subscriber, and go out when it is resumed.
        Column("active", Boolean, nullable=False, server_default=text("true")),
        # Signing secrets, encrypted at rest (services/webhooks/secrets.py); during a rotation's
        # overlap the previous one signs too, until previous_expires_at.
        Column("secret", LargeBinary, nullable=False),
        Column("previous_secret", LargeBinary, nullable=True),
        Column("previous_expires_at", DateTime(timezone=True), nullable=True),
        # Where the subscriber chose to start: the events it gets are those from then on.
        Column("starts_at", DateTime(timezone=True), nullable=False),
        # How far the relay has read the outbox for it, in commit order (services/webhooks/
        # dispatch.py): every event at or before (txid, position) has its delivery.
        Column("read_txid", BigInteger, nullable=False),
        Column("read_position", BigInteger, nullable=False),
        Column("created_by", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("version", Integer, nullable=False, server_default=text("1")),
        CheckConstraint(
            "(previous_secret IS NULL) = (previous_expires_at IS NULL)", name="previous_expires"
        ),
    )
    attempt = Table(
        "webhook_attempt",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("delivery_id", BigInteger, nullable=False),
        Column("subscription_id", UUID(as_uuid=True), nullable=False),
        Column("attempted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        # The subscriber's HTTP status, or the kind of failure when there was none.
        Column("status", SmallInteger, nullable=True),
        Column("error", Text, nullable=True),
        Column("duration_ms", Integer, nullable=False),
        Index("ix_webhook_attempt_delivery_id_id", "delivery_id", "id"),
    )
    return WebhookTables(subscription, attempt)
