"""External ids (the system of record's keys) and the review queue of uncertain person matches."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from workbook_api.models import Base

RECORD_TYPES = ("family", "person", "case", "allocation")
# How an external id came to name a record that already existed; NULL when the system of
# record's upsert created the record itself.
MATCH_BASES = ("nhs_number", "upn", "local_id", "open_case", "review", "linked")
REVIEW_STATUSES = ("pending", "linked", "created", "rejected")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ExternalId(Base):
    """A key another system knows one of our records by: unique per record type and system.

    One record may carry several keys of one system (a source that merged two of its records),
    but a key names one record. Exactly one of the four record columns is set, the one its
    `record_type` says, so every key has a real foreign key to what it names.
    """

    __tablename__ = "external_id"

    # The key is its own primary key: one index to keep, the one every lookup uses.
    record_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    system: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("family.id"))
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("safeguarding_case.id"))
    allocation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("allocation.id"))
    matched_on: Mapped[str | None] = mapped_column(String(32))
    created_by_practitioner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __mapper_args__ = {"eager_defaults": True}
    __table_args__ = (
        CheckConstraint(_in("record_type", RECORD_TYPES), name="record_type"),
        CheckConstraint(
            f"matched_on IS NULL OR {_in('matched_on', MATCH_BASES)}", name="matched_on"
        ),
        CheckConstraint(
            "num_nonnulls(family_id, person_id, case_id, allocation_id) = 1"
            " AND (record_type = 'family') = (family_id IS NOT NULL)"
            " AND (record_type = 'person') = (person_id IS NOT NULL)"
            " AND (record_type = 'case') = (case_id IS NOT NULL)"
            " AND (record_type = 'allocation') = (allocation_id IS NOT NULL)",
            name="one_record",
        ),
        Index(
            "ix_external_id_family_id", "family_id", postgresql_where=text("family_id IS NOT NULL")
        ),
        Index(
            "ix_external_id_person_id", "person_id", postgresql_where=text("person_id IS NOT NULL")
        ),
        Index("ix_external_id_case_id", "case_id", postgresql_where=text("case_id IS NOT NULL")),
        Index(
            "ix_external_id_allocation_id",
            "allocation_id",
            postgresql_where=text("allocation_id IS NOT NULL"),
        ),
    )


class MatchReview(Base):
    """A person record from the system of record that matched ours uncertainly, for a manager.

    Nothing the record says is applied until a manager of one of `team_ids` (the team of the
    family it was sent for, and of every candidate's family) decides: link it to a candidate,
    create a new person, or reject it. The decision, its reason and who made it stay here.
    """

    __tablename__ = "match_review"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    status: Mapped[str] = mapped_column(String(16))
    system: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(64))
    family_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("family.id"))
    team_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    # The incoming person record as validated, and each candidate with what matched and what
    # disagreed (ids and identifier kinds only; the candidates' details are read live).
    record: Mapped[dict[str, Any]] = mapped_column(JSONB)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    import_job_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("import_job.id"))
    import_row: Mapped[int | None] = mapped_column(Integer)
    requested_by_practitioner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"))
    decision_reason: Mapped[str | None] = mapped_column(String(2000))
    resolved_by_practitioner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
    __table_args__ = (
        CheckConstraint(_in("status", REVIEW_STATUSES), name="status"),
        CheckConstraint(
            "(status = 'pending') = (resolved_at IS NULL)"
            " AND (status = 'pending') = (decision_reason IS NULL)",
            name="resolved_fields",
        ),
        # One open question per incoming record: a repeated upsert refreshes it.
        Index(
            "uq_match_review_pending_key",
            "system",
            "external_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_match_review_team_ids", "team_ids", postgresql_using="gin"),
        Index("ix_match_review_created_at_id", "created_at", "id"),
        Index("ix_match_review_import_job_id", "import_job_id"),
    )
