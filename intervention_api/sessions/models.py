"""Programme sessions."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from intervention_api.models import Base

ATTENDANCES = ("attended", "did_not_attend", "cancelled")


class ProgrammeSession(Base):
    """One session of an enrolment's programme."""

    __tablename__ = "programme_session"
    __table_args__ = (
        CheckConstraint(
            "attendance IN ('attended', 'did_not_attend', 'cancelled')", name="attendance"
        ),
        # Engagement is rated for a session that took place, and only then.
        CheckConstraint(
            "(attendance = 'attended') = (engagement IS NOT NULL)", name="engagement_when_held"
        ),
        CheckConstraint("engagement BETWEEN 1 AND 5", name="engagement_range"),
        CheckConstraint(
            "(withdrawn_at IS NULL) = (withdrawal_reason IS NULL)", name="reason_when_withdrawn"
        ),
        Index("ix_programme_session_enrolment_id_held_on", "enrolment_id", "held_on"),
        Index("ix_programme_session_worker_id_held_on", "worker_id", "held_on"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    enrolment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrolment.id", ondelete="RESTRICT"))
    case_id: Mapped[uuid.UUID]
    held_on: Mapped[date] = mapped_column(Date)
    worker_id: Mapped[uuid.UUID]
    attendance: Mapped[str] = mapped_column(String(16))
    engagement: Mapped[int | None] = mapped_column(SmallInteger)
    module_codes: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    tool_codes: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    summary: Mapped[str] = mapped_column(Text)
    restricted_detail: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[uuid.UUID]
    # The author's discipline when they wrote it: the restricted-detail rule is by discipline.
    recorded_by_discipline: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # Withdrawn as entered in error: kept, shown as withdrawn, counted nowhere.
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[uuid.UUID | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
