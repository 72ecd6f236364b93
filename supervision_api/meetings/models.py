"""Group Case Supervision meetings: when and where, who chairs, the cases, who is invited.

A meeting is its team's; each case on its agenda is one `meeting_case` (the record of that
case's discussion hangs off it, supervision_api/records/). Invitees are the chair and the
workers allocated to the agenda's cases when it was booked. Moves and cancellations never
overwrite history: each is a `meeting_change` row, and `sequence` (iCalendar's SEQUENCE) grows
with every one of them, so a calendar that subscribed updates the event in place.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Uuid,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from supervision_api.models import Base

MEETING_STATUSES = ("scheduled", "cancelled")
ATTENDANCE = ("invited", "attended", "apologies", "absent")
INVITED_AS = ("chair", "allocated")
CHANGES = ("booked", "rescheduled", "cancelled")
PLACE_MAX = 200
REASON_MAX = 2000
NOTE_MAX = 500


class Meeting(Base):
    """One GCS meeting of a team."""

    __tablename__ = "meeting"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str] = mapped_column(String(PLACE_MAX))
    chair_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(16))
    # iCalendar SEQUENCE: 0 when booked, one more at every move or cancellation.
    sequence: Mapped[int] = mapped_column(Integer)
    booked_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    booked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
    __table_args__ = (
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "(status = 'scheduled' AND cancelled_at IS NULL AND cancel_reason IS NULL)"
            " OR (status = 'cancelled' AND cancelled_at IS NOT NULL AND cancel_reason IS NOT NULL)",
            name="cancelled_fields",
        ),
        Index("ix_meeting_team_id_starts_at", "team_id", "starts_at"),
    )


class MeetingCase(Base):
    """A case on a meeting's agenda, in agenda order."""

    __tablename__ = "meeting_case"

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True
    )
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger)

    __table_args__ = (Index("ix_meeting_case_case_id", "case_id"),)


class MeetingInvitee(Base):
    """Someone invited to a meeting, and whether they came."""

    __tablename__ = "meeting_invitee"

    meeting_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True
    )
    practitioner_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    invited_as: Mapped[str] = mapped_column(String(16))
    attendance: Mapped[str] = mapped_column(String(16), default="invited")
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX))
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(
            "attendance IN ('invited', 'attended', 'apologies', 'absent')", name="attendance"
        ),
        CheckConstraint("invited_as IN ('chair', 'allocated')", name="invited_as"),
        Index("ix_meeting_invitee_practitioner_id", "practitioner_id"),
    )


class MeetingChange(Base):
    """A meeting's booking, moves and cancellation, as they happened."""

    __tablename__ = "meeting_change"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    change: Mapped[str] = mapped_column(String(16))
    sequence: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str] = mapped_column(String(PLACE_MAX))
    reason: Mapped[str | None] = mapped_column(String(REASON_MAX))
    changed_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("change IN ('booked', 'rescheduled', 'cancelled')", name="change"),
        Index("ix_meeting_change_meeting_id_sequence", "meeting_id", "sequence"),
    )
