"""The change log and the cursors that read it, declared once for every unit's schema."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    MetaData,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

# The writing transaction's id, as the capture trigger and the feed's snapshot bound read it.
CURRENT_TXID_SQL = "pg_current_xact_id()::text::bigint"


@dataclass(frozen=True)
class ChangeTables:
    """The change log and its cursors, bound to one unit's metadata."""

    log: Table
    cursor: Table


def define_change_tables(metadata: MetaData) -> ChangeTables:
    """Declare the change feed's tables on a unit's metadata."""
    log = Table(
        "change_log",
        metadata,
        # Insertion order within a transaction; across transactions the feed orders by txid
        # first and reads only transactions older than any still running (feed.py).
        Column("position", BigInteger, Identity(), primary_key=True),
        Column("txid", BigInteger, nullable=False, server_default=text(CURRENT_TXID_SQL)),
        # What changed: a kind the unit renders ("entry", "case", "family"...) and its id.
        Column("kind", Text, nullable=False),
        Column("record_id", UUID(as_uuid=True), nullable=False),
        # What decides who may see it: the case (or family) the record belongs to.
        Column("scope_id", UUID(as_uuid=True), nullable=False),
        Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Index("ix_change_log_txid_position", "txid", "position", unique=True),
        Index("ix_change_log_scope_id_txid_position", "scope_id", "txid", "position"),
    )
    cursor = Table(
        "change_cursor",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        # Which feed ("changes", "pull") and whose: a cursor is only ever read by its holder.
        Column("feed", Text, nullable=False),
        Column("subject", Text, nullable=False),
        # Every change at or before (txid, position) has been read, in every scope in sight
        # except the lagging ones, which have floors of their own.
        Column("txid", BigInteger, nullable=False),
        Column("position", BigInteger, nullable=False),
        Column("lagging", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
        # The scopes the holder had in sight, with their kind and the holder's standing on
        # each; NULL for a holder who sees everything (the system of record).
        Column("sight", JSONB, nullable=True),
        Column("issued_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Index("ix_change_cursor_subject_feed_issued_at", "subject", "feed", "issued_at"),
    )
    return ChangeTables(log, cursor)
