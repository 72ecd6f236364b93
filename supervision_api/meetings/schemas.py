"""Meeting bodies in and out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from services.schemas import Input, not_nullable
from supervision_api.meetings.models import NOTE_MAX, PLACE_MAX, REASON_MAX

MAX_AGENDA = 30
Place = Annotated[
    str, Field(min_length=1, max_length=PLACE_MAX, description="Where (a room, or 'Online')")
]
Reason = Annotated[str, Field(min_length=1, max_length=REASON_MAX)]
Attendance = Literal["invited", "attended", "apologies", "absent"]


class MeetingBooking(Input):
    """A GCS meeting to book: when, where, who chairs and which cases it discusses."""

    model_config = Input.model_config | {"json_schema_extra": not_nullable("chair_id")}

    team_id: UUID
    starts_at: AwareDatetime
    ends_at: AwareDatetime = Field(description="After `starts_at`, at most 8 hours later")
    place: Place
    chair_id: UUID | None = Field(
        default=None, description="A practitioner of the team; you, when left out"
    )
    case_ids: list[UUID] = Field(
        min_length=1,
        max_length=MAX_AGENDA,
        description="The team's open cases, in agenda order, each once",
    )


class MeetingMove(Input):
    """A new time (and place) for a meeting, and why it moved."""

    model_config = Input.model_config | {"json_schema_extra": not_nullable("place")}

    starts_at: AwareDatetime
    ends_at: AwareDatetime = Field(description="After `starts_at`, at most 8 hours later")
    place: Place | None = Field(default=None, description="Unchanged when left out")
    reason: Reason


class MeetingCancellation(Input):
    """Why a meeting is cancelled."""

    reason: Reason


class AttendanceIn(Input):
    """Whether an invitee came: the chair and the team's managers record anyone's, and an
    invitee sends their own apologies."""

    model_config = Input.model_config | {"json_schema_extra": not_nullable("note")}

    practitioner_id: UUID
    attendance: Literal["attended", "apologies", "absent"]
    note: str | None = Field(default=None, min_length=1, max_length=NOTE_MAX)


class InviteeOut(BaseModel):
    """An invitee and their attendance."""

    practitioner_id: UUID
    display_name: str | None
    invited_as: str
    attendance: Attendance
    note: str | None


class AgendaItemOut(BaseModel):
    """A case on the agenda (only those you may see are listed)."""

    case_id: UUID
    position: int


class ChangeOut(BaseModel):
    """One booking, move or cancellation."""

    change: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    place: str
    reason: str | None
    changed_by: UUID
    changed_at: datetime


class MeetingOut(BaseModel):
    """A meeting as you may see it."""

    id: UUID
    team_id: UUID
    starts_at: datetime
    ends_at: datetime
    place: str
    chair_id: UUID
    status: str
    sequence: int
    booked_by: UUID
    booked_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None
    version: int
    agenda: list[AgendaItemOut]
    invitees: list[InviteeOut]
    history: list[ChangeOut]


class MeetingSummary(BaseModel):
    """A meeting in a list."""

    id: UUID
    team_id: UUID
    starts_at: datetime
    ends_at: datetime
    place: str
    chair_id: UUID
    status: str
    case_count: int = Field(description="Cases on its agenda that you may see")


class MeetingList(BaseModel):
    """Meetings in a window, earliest first."""

    items: list[MeetingSummary]
