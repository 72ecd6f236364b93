"""Legal holds, the DPO's reviews and destruction certificates, beside a unit's records.

Declared once here and bound to the metadata of each unit that holds records (the workbook
first); `migrations.upgrade_v1` creates them. Rows name the record (a case) by id only: a
certificate outlives everything it describes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Date, DateTime, Index, Integer, MetaData, Table, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID


@dataclass(frozen=True)
class RetentionTables:
    """The retention tables bound to one unit's metadata (and so its schema)."""

    holds: Table
    reviews: Table
    certificates: Table


def define_retention_tables(metadata: MetaData) -> RetentionTables:
    """Declare the tables on a unit's metadata, where `alembic check` sees them."""
    holds = Table(
        "retention_hold",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("case_id", UUID(as_uuid=True), nullable=False),
        Column("reason", Text, nullable=False),
        Column("placed_by", UUID(as_uuid=True), nullable=False),
        Column("placed_by_name", Text, nullable=False),
        Column("placed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("lifted_by", UUID(as_uuid=True), nullable=True),
        Column("lifted_at", DateTime(timezone=True), nullable=True),
        Column("lift_reason", Text, nullable=True),
        Column("version", Integer, nullable=False, server_default=text("1")),
        Index("ix_retention_hold_case_id", "case_id"),
    )
    reviews = Table(
        "retention_review",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("case_id", UUID(as_uuid=True), nullable=False),
        # "destroy" or "retain"; a later review supersedes an earlier one.
        Column("decision", Text, nullable=False),
        Column("reason", Text, nullable=False),
        Column("rule", Text, nullable=False),
        Column("due_on", Date, nullable=True),
        Column("reviewed_by", UUID(as_uuid=True), nullable=False),
        Column("reviewed_by_name", Text, nullable=False),
        Column("reviewed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Index("ix_retention_review_case_id_reviewed_at", "case_id", "reviewed_at"),
    )
    certificates = Table(
        "retention_certificate",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("case_id", UUID(as_uuid=True), nullable=False, unique=True),
        Column("rule", Text, nullable=False),
        Column("due_on", Date, nullable=False),
        Column("review_id", UUID(as_uuid=True), nullable=False),
        Column("reviewed_by", UUID(as_uuid=True), nullable=False),
        Column("review_reason", Text, nullable=False),
        Column("operator", Text, nullable=False),
        Column("destroyed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        # What was destroyed: counts of records by kind, never their content.
        Column("destroyed", JSONB, nullable=False),
    )
    return RetentionTables(holds, reviews, certificates)
