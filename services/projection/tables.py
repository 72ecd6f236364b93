"""The projection's tables, declared once and bound to the metadata of any workflow schema.

Each row is the newest snapshot its publisher announced, with that snapshot's `version`, so a
delivery can be judged newer or not without reading anything else. Nothing here refers to
another row by foreign key across kinds: deliveries arrive in any order, so an allocation may
be projected before its case, and a practitioner's allocations before the practitioner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID

CASE_STATUSES = ("open", "closed")
# The projected cases' table name, in every workflow schema (the access log finds it by this).
PROJECTED_CASE_TABLE = "projected_case"


@dataclass(frozen=True)
class ProjectionTables:
    """The projection's tables bound to one service's metadata (and so its schema)."""

    cases: Table
    allocations: Table
    practitioners: Table
    memberships: Table
    teams: Table


def _projected_at() -> Column[datetime]:
    # When this unit last applied a snapshot to the row (for operators; never compared).
    return Column(
        "projected_at", DateTime(timezone=True), nullable=False, server_default=func.now()
    )


def define_projection_tables(metadata: MetaData) -> ProjectionTables:
    """Declare the projection's tables on a service's metadata, where `alembic check` sees them."""
    cases = Table(
        PROJECTED_CASE_TABLE,
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("family_id", UUID(as_uuid=True), nullable=False),
        Column("owning_team_id", UUID(as_uuid=True), nullable=False),
        Column("status", Text, nullable=False),
        # Family Safeguarding or early help (event_contracts.CASE_KINDS); step v2.
        Column("kind", Text, nullable=False, server_default="family_safeguarding"),
        Column("opened_at", DateTime(timezone=True), nullable=False),
        Column("closed_at", DateTime(timezone=True), nullable=True),
        Column("episode_number", Integer, nullable=False),
        Column("version", Integer, nullable=False),
        _projected_at(),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("kind IN ('family_safeguarding', 'early_help')", name="kind"),
        Index("ix_projected_case_owning_team_id", "owning_team_id"),
    )
    allocations = Table(
        "projected_allocation",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("case_id", UUID(as_uuid=True), nullable=False),
        Column("practitioner_id", UUID(as_uuid=True), nullable=False),
        Column("discipline", Text, nullable=False),
        Column("is_allocated_social_worker", Boolean, nullable=False),
        Column("starts_at", DateTime(timezone=True), nullable=False),
        Column("ends_at", DateTime(timezone=True), nullable=True),
        Column("version", Integer, nullable=False),
        _projected_at(),
        # "Which cases is this practitioner on" is every access check's first question.
        Index("ix_projected_allocation_practitioner_id_case_id", "practitioner_id", "case_id"),
        Index("ix_projected_allocation_case_id_starts_at", "case_id", "starts_at"),
    )
    practitioners = Table(
        "projected_practitioner",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("display_name", Text, nullable=False),
        Column("discipline", Text, nullable=False),
        Column("roles", ARRAY(Text), nullable=False),
        Column("active", Boolean, nullable=False),
        Column("version", Integer, nullable=False),
        _projected_at(),
    )
    memberships = Table(
        "projected_membership",
        metadata,
        # Replaced wholesale with their practitioner's snapshot, in its order.
        Column(
            "practitioner_id",
            UUID(as_uuid=True),
            ForeignKey("projected_practitioner.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        Column("position", SmallInteger, primary_key=True),
        Column("team_id", UUID(as_uuid=True), nullable=False),
        Column("role_in_team", Text, nullable=False),
        Column("valid_from", Date, nullable=True),
        Column("valid_to", Date, nullable=True),
        Index("ix_projected_membership_team_id", "team_id"),
    )
    teams = Table(
        "projected_team",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True),
        Column("name", Text, nullable=False),
        Column("code", Text, nullable=False),
        Column("active", Boolean, nullable=False),
        Column("version", Integer, nullable=False),
        _projected_at(),
    )
    return ProjectionTables(cases, allocations, practitioners, memberships, teams)
