"""Enrolments and their plans: one row per enrolment, one per planned module."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from intervention_api.models import Base

PARTICIPANTS = ("parent", "family")
ENROLMENT_STATUSES = ("active", "ended")
MODULE_STATUSES = ("not_started", "in_progress", "completed", "not_applicable")
# A module still to do: it can be overdue.
OPEN_MODULE_STATUSES = ("not_started", "in_progress")


class Enrolment(Base):
    """A parent (or the whole family) on a case, enrolled on one version of a programme."""

    __tablename__ = "enrolment"
    __table_args__ = (
        CheckConstraint("participant IN ('parent', 'family')", name="participant"),
        CheckConstraint("status IN ('active', 'ended')", name="status"),
        # A parent is named; the family as a whole is not one person.
        CheckConstraint("(participant = 'parent') = (person_id IS NOT NULL)", name="person"),
        CheckConstraint("(status = 'ended') = (ended_at IS NOT NULL)", name="ended_when_ended"),
        Index("ix_enrolment_case_id_enrolled_at", "case_id", "enrolled_at"),
        # The caseload view's keyset: active enrolments in enrolment order.
        Index(
            "ix_enrolment_active_enrolled_at_id",
            "enrolled_at",
            "id",
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID]
    programme_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programme_version.id", ondelete="RESTRICT")
    )
    participant: Mapped[str] = mapped_column(String(16))
    # The workbook's id of the parent, as the enrolling worker gave it (see the package doc).
    person_id: Mapped[uuid.UUID | None]
    lead_worker_id: Mapped[uuid.UUID]
    status: Mapped[str] = mapped_column(String(16), default="active")
    enrolled_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    enrolled_by: Mapped[uuid.UUID]
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    modules: Mapped[list[PlannedModule]] = relationship(
        order_by="PlannedModule.position", lazy="raise", cascade="all, delete-orphan"
    )


class PlannedModule(Base):
    """One module of an enrolment's plan: its place, its worker, its due date, its progress."""

    __tablename__ = "planned_module"
    __table_args__ = (
        CheckConstraint(
            "status IN ('not_started', 'in_progress', 'completed', 'not_applicable')",
            name="status",
        ),
        CheckConstraint(
            "status <> 'not_applicable' OR status_reason IS NOT NULL", name="reason_when_na"
        ),
        CheckConstraint(
            "(status = 'completed') = (completed_at IS NOT NULL)", name="completed_when_completed"
        ),
    )

    enrolment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrolment.id", ondelete="CASCADE"), primary_key=True
    )
    module_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    worker_id: Mapped[uuid.UUID]
    # The last day to finish it, counted in England's working days from enrolment.
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="not_started")
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_changed_by: Mapped[uuid.UUID | None]
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProgressChange(Base):
    """One change of a planned module's progress, kept: who, when, from what, to what, why.

    Written with every change, by a worker (`update_progress`) or by an attended session
    covering a module not yet started (`session_id` says which); never changed afterwards.
    """

    __tablename__ = "module_progress_change"
    __table_args__ = (
        CheckConstraint(
            "to_status IN ('not_started', 'in_progress', 'completed', 'not_applicable')",
            name="to_status",
        ),
        Index(
            "ix_module_progress_change_enrolment_id_changed_at_id",
            "enrolment_id",
            "changed_at",
            "id",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrolment.id", ondelete="RESTRICT"))
    module_code: Mapped[str] = mapped_column(String(64))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[uuid.UUID]
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The attended session that started the module, when it was not a worker's own change.
    session_id: Mapped[uuid.UUID | None]
