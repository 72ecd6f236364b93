"""The record of one case's discussion at a GCS meeting, its decisions and its actions.

Every case on a meeting's agenda has one record, a draft from the booking. Its chair finalises
it once the meeting has been held: from then on it is never edited, only amended with a reason,
each amendment keeping what it replaced (`record_amendment`). Actions belong to the case: an
action not yet done or dropped is carried forward to every later record of the case, and the
finalised record keeps the carried actions as they stood (`carried_forward`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from supervision_api.models import Base

RECORD_STATUSES = ("draft", "final")
ACTION_STATUSES = ("open", "done", "dropped")
TEXT_MAX = 10_000
DECISION_MAX = 2_000
RATIONALE_MAX = 4_000
REASON_MAX = 2_000
# The risk analysis and the child's lived experience: what an amendment may correct.
RECORD_FIELDS = ("lived_experience", "worried_about", "working_well", "needs_to_happen", "scaling")


class CaseRecord(Base):
    """One case's discussion at one meeting."""

    __tablename__ = "case_record"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    meeting_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    lived_experience: Mapped[str | None] = mapped_column(Text)
    worried_about: Mapped[str | None] = mapped_column(Text)
    working_well: Mapped[str | None] = mapped_column(Text)
    needs_to_happen: Mapped[str | None] = mapped_column(Text)
    # The team's 0-10 scaling judgement (10: safe enough to close).
    scaling: Mapped[int | None] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    finalised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finalised_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The open actions carried into this meeting, as they stood when it was finalised.
    carried_forward: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    # 0 while a draft, 1 when finalised, one more per amendment.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
    __table_args__ = (
        ForeignKeyConstraint(
            ["meeting_id", "case_id"],
            ["meeting_case.meeting_id", "meeting_case.case_id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("meeting_id", "case_id"),
        CheckConstraint("status IN ('draft', 'final')", name="status"),
        CheckConstraint("scaling BETWEEN 0 AND 10", name="scaling"),
        CheckConstraint(
            "(status = 'draft' AND finalised_at IS NULL)"
            " OR (status = 'final' AND finalised_at IS NOT NULL AND finalised_by IS NOT NULL)",
            name="final_fields",
        ),
        Index("ix_case_record_case_id", "case_id"),
    )


class WorkerUpdate(Base):
    """A worker's update on the case for one meeting, in their own words."""

    __tablename__ = "worker_update"

    record_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("case_record.id", ondelete="CASCADE"), primary_key=True
    )
    practitioner_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    discipline: Mapped[str] = mapped_column(String(64))
    update: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Decision(Base):
    """A decision taken on the case, with its rationale and who made it."""

    __tablename__ = "decision"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(DECISION_MAX))
    rationale: Mapped[str] = mapped_column(String(RATIONALE_MAX))
    decision_maker_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    recorded_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (Index("ix_decision_record_id", "record_id"),)


class GcsAction(Base):
    """Something a GCS agreed must happen: an owner, a due date, and whether it was done."""

    __tablename__ = "gcs_action"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # The record of the meeting that agreed it.
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(String(DECISION_MAX))
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    closed_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'dropped')", name="status"),
        CheckConstraint(
            "(status = 'open' AND closed_at IS NULL)"
            " OR (status = 'done' AND closed_at IS NOT NULL)"
            " OR (status = 'dropped' AND closed_at IS NOT NULL AND closed_reason IS NOT NULL)",
            name="closed_fields",
        ),
        Index("ix_gcs_action_case_id_status", "case_id", "status"),
        Index("ix_gcs_action_record_id", "record_id"),
    )


class RecordAmendment(Base):
    """A correction of a final record: what changed, what it replaced, why and by whom.

    It corrects the record's own members, or one of its decisions (`decision_id`) or actions
    (`action_id`); either way the record's revision grows and `previous` keeps what it replaced.
    """

    __tablename__ = "record_amendment"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    previous: Mapped[dict[str, Any]] = mapped_column(JSONB)
    reason: Mapped[str] = mapped_column(String(REASON_MAX))
    amended_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    amended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decision_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("decision.id", ondelete="CASCADE")
    )
    action_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("gcs_action.id", ondelete="CASCADE")
    )

    __table_args__ = (
        UniqueConstraint("record_id", "revision"),
        CheckConstraint("decision_id IS NULL OR action_id IS NULL", name="one_target"),
    )
