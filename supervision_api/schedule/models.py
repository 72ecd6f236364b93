"""A team's recurring GCS slots, practitioners' absences, and stored scheduling proposals.

A slot is a record managers keep: a weekday, a local start time and a length, a place, how
many cases one session takes, and the days it is in force. It expands into dated sessions over
working days only (`sessions.py`). An absence is a practitioner's days away, nothing more: no
reason is asked or stored, so no health or personal detail lands in the scheduling tables.
A proposal keeps what the scheduler answered and the inputs it answered for, so a manager can
read it back and accept it later; accepting re-checks each proposed meeting first.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Index,
    SmallInteger,
    String,
    Time,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from supervision_api.meetings.models import PLACE_MAX
from supervision_api.models import Base

MAX_SLOT_CAPACITY = 30  # a meeting's agenda takes at most 30 cases (meetings/schemas.py)
MAX_SLOT_MINUTES = 8 * 60  # a meeting lasts at most 8 hours (meetings/service.py)
PROPOSAL_STATUSES = ("proposed", "accepted")


class MeetingSlot(Base):
    """A team's recurring GCS slot (weekday 0 is Monday; times are Europe/London)."""

    __tablename__ = "meeting_slot"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    starts_at: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(SmallInteger)
    place: Mapped[str] = mapped_column(String(PLACE_MAX))
    capacity: Mapped[int] = mapped_column(SmallInteger)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 4", name="weekday"),
        CheckConstraint(f"duration_minutes BETWEEN 15 AND {MAX_SLOT_MINUTES}", name="duration"),
        CheckConstraint(f"capacity BETWEEN 1 AND {MAX_SLOT_CAPACITY}", name="capacity"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
        Index("ix_meeting_slot_team_id", "team_id"),
    )


class Absence(Base):
    """Days a practitioner is away, both included (days in England)."""

    __tablename__ = "absence"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    practitioner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        CheckConstraint("last_day >= first_day", name="day_range"),
        Index("ix_absence_practitioner_id_last_day", "practitioner_id", "last_day"),
    )


class ScheduleProposal(Base):
    """What the scheduler proposed for a team's next weeks, and whether it was booked."""

    __tablename__ = "schedule_proposal"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    chair_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    # The proposal as the API shows it (meetings, unplaced cases with reasons, the solver).
    content: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The meetings booked on acceptance, in the proposal's order.
    meeting_ids: Mapped[list[str] | None] = mapped_column(JSONB)

    __table_args__ = (
        CheckConstraint("status IN ('proposed', 'accepted')", name="status"),
        CheckConstraint(
            "(status = 'proposed' AND accepted_at IS NULL AND meeting_ids IS NULL)"
            " OR (status = 'accepted' AND accepted_at IS NOT NULL AND meeting_ids IS NOT NULL)",
            name="accepted_fields",
        ),
        CheckConstraint("last_day >= first_day", name="day_range"),
        Index("ix_schedule_proposal_team_id_created_at", "team_id", "created_at"),
    )
