"""Workbook entries (records, MDT session logs and role summaries) and their revision history.

One table holds every kind of recording so that one lifecycle (draft, final, amended, withdrawn),
one access rule and one search index cover them all. A final entry is never changed in place:
each finalisation or amendment appends an `entry_revision`, and the entry row carries the
current revision's values for reading, listing and indexing.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from workbook_api.models import Base

ENTRY_STATUSES = ("draft", "final", "withdrawn")
SENSITIVITIES = ("standard", "restricted")
ROLE_SUMMARY_TYPE = "role_summary"
SESSION_TYPE = "mdt_session"

NARRATIVE_MAX = 50_000
SUMMARY_MAX = 2_000
REASON_MAX = 2_000

# What everyone who can see the case may search: the shareable summary, a standard entry's
# narrative and unrestricted structured values. Restricted narrative never enters this vector.
SHARED_SEARCH_SQL = (
    "to_tsvector('english'::regconfig, coalesce(shareable_summary, '') || ' ' || "
    "CASE WHEN sensitivity = 'standard' THEN coalesce(narrative, '') ELSE '' END) || "
    "jsonb_to_tsvector('english'::regconfig, coalesce(fields, '{}'::jsonb), '[\"string\"]'::jsonb)"
)
# Everything, for callers allowed to see restricted detail.
FULL_SEARCH_SQL = (
    "to_tsvector('english'::regconfig, coalesce(shareable_summary, '') || ' ' || "
    "coalesce(narrative, '')) || "
    "jsonb_to_tsvector('english'::regconfig, coalesce(fields, '{}'::jsonb) || "
    "coalesce(restricted_fields, '{}'::jsonb), '[\"string\"]'::jsonb)"
)


class Entry(Base):
    """One recording in a case's workbook, in its current revision."""

    __tablename__ = "entry"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("safeguarding_case.id"))
    # The case's current episode when the entry was first recorded.
    episode_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("episode.id"))
    entry_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    author_name: Mapped[str] = mapped_column(String(200))
    # The author's discipline: the workbook chapter the entry belongs to.
    discipline: Mapped[str] = mapped_column(String(64))
    event_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    finalised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    significant: Mapped[bool] = mapped_column(Boolean)
    sensitivity: Mapped[str] = mapped_column(String(16))
    person_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(Uuid), server_default=text("'{}'::uuid[]")
    )
    narrative: Mapped[str | None] = mapped_column(Text)
    shareable_summary: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    restricted_fields: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    config_version: Mapped[str | None] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    withdrawn_by_name: Mapped[str | None] = mapped_column(String(200))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'final', 'withdrawn')", name="status"),
        CheckConstraint("sensitivity IN ('standard', 'restricted')", name="sensitivity"),
        CheckConstraint(f"char_length(narrative) <= {NARRATIVE_MAX}", name="narrative_length"),
        CheckConstraint(f"char_length(shareable_summary) <= {SUMMARY_MAX}", name="summary_length"),
        # Restricted detail is shared only through its summary, so a final one must have it.
        CheckConstraint(
            "status = 'draft' OR sensitivity = 'standard' OR shareable_summary IS NOT NULL",
            name="restricted_has_summary",
        ),
        # Restricted structured values live only on restricted entries, hidden by one rule.
        CheckConstraint(
            "restricted_fields IS NULL OR sensitivity = 'restricted'",
            name="restricted_fields_need_restricted",
        ),
        CheckConstraint(
            f"(entry_type = '{SESSION_TYPE}') = (config_version IS NOT NULL)",
            name="session_has_config_version",
        ),
        CheckConstraint(
            f"entry_type = '{SESSION_TYPE}' OR (fields IS NULL AND restricted_fields IS NULL)",
            name="fields_only_on_sessions",
        ),
        CheckConstraint(
            "(status = 'draft') = (finalised_at IS NULL) AND (status = 'draft') = (revision = 0)",
            name="final_has_revision",
        ),
        CheckConstraint(
            "(status = 'withdrawn') = (withdrawn_at IS NOT NULL AND withdrawn_reason IS NOT NULL)",
            name="withdrawn_fields",
        ),
        Index("ix_entry_case_id_event_at_id", "case_id", "event_at", "id"),
        Index("ix_entry_episode_id", "episode_id"),
        # Search across cases reads newest first and stops after a page (search/repository.py).
        Index("ix_entry_event_at_id", "event_at", "id"),
        # The chronology's first page must stay flat as a family's record grows.
        Index(
            "ix_entry_chronology",
            "case_id",
            "event_at",
            "id",
            postgresql_where=text("significant AND status = 'final'"),
        ),
        # One role summary per worker per episode.
        Index(
            "uq_entry_role_summary",
            "episode_id",
            "author_id",
            unique=True,
            postgresql_where=text(f"entry_type = '{ROLE_SUMMARY_TYPE}'"),
        ),
    )


class EntryRevision(Base):
    """One final version of an entry: the first finalisation, then each amendment."""

    __tablename__ = "entry_revision"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entry.id"))
    revision: Mapped[int] = mapped_column(Integer)
    entry_type: Mapped[str] = mapped_column(String(64))
    event_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    significant: Mapped[bool] = mapped_column(Boolean)
    sensitivity: Mapped[str] = mapped_column(String(16))
    person_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(Uuid), server_default=text("'{}'::uuid[]")
    )
    narrative: Mapped[str | None] = mapped_column(Text)
    shareable_summary: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    restricted_fields: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    config_version: Mapped[str | None] = mapped_column(String(64))
    # Null for the first revision; an amendment always says why.
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    recorded_by_name: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        UniqueConstraint("entry_id", "revision"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint("revision = 1 OR reason IS NOT NULL", name="amendment_has_reason"),
        CheckConstraint("sensitivity IN ('standard', 'restricted')", name="sensitivity"),
    )


entry_table = cast(Table, Entry.__table__)
# The search vectors are generated by the database and added to the table after mapping, so
# the ORM never fetches them back after a write; queries reach them through `entry_table.c`.
entry_table.append_column(
    Column("search_shared", TSVECTOR, Computed(SHARED_SEARCH_SQL, persisted=True), nullable=False)
)
entry_table.append_column(
    Column("search_full", TSVECTOR, Computed(FULL_SEARCH_SQL, persisted=True), nullable=False)
)
Index("ix_entry_search_shared", entry_table.c.search_shared, postgresql_using="gin")
Index("ix_entry_search_full", entry_table.c.search_full, postgresql_using="gin")
