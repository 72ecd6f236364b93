"""Slots, absences, the team's schedule and proposals, in and out."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from services.schemas import Input, not_nullable
from supervision_api.meetings.schemas import Place
from supervision_api.schedule.models import MAX_SLOT_CAPACITY, MAX_SLOT_MINUTES

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday"]
WEEKDAYS: tuple[Weekday, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday")
MAX_ABSENCE_DAYS = 366
MAX_HORIZON_WEEKS = 12
LOCAL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class SlotIn(Input):
    """A recurring GCS slot of the team."""

    model_config = Input.model_config | {"json_schema_extra": not_nullable("valid_from")}

    weekday: Weekday
    starts_at: str = Field(
        pattern=LOCAL_TIME, description="Local time in England, hours and minutes (HH:MM)"
    )

    def start_time(self) -> time:
        """The start as a wall-clock time (the pattern admits only valid ones)."""
        return time.fromisoformat(self.starts_at)

    duration_minutes: int = Field(ge=15, le=MAX_SLOT_MINUTES)
    place: Place
    capacity: int = Field(ge=1, le=MAX_SLOT_CAPACITY, description="Cases one session takes")
    valid_from: date | None = Field(default=None, description="Today when left out")
    valid_to: date | None = Field(default=None, description="Open-ended when left out")


class SlotOut(BaseModel):
    """A recurring GCS slot."""

    id: UUID
    team_id: UUID
    weekday: Weekday
    starts_at: str = Field(
        pattern=LOCAL_TIME, description="Local time in England, hours and minutes (HH:MM)"
    )
    duration_minutes: int
    place: str
    capacity: int
    valid_from: date
    valid_to: date | None
    created_by: UUID
    created_at: datetime


class SessionOut(BaseModel):
    """One dated session of a slot (working days only)."""

    session_id: str = Field(description="The slot and the day")
    slot_id: UUID
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int


class AbsenceIn(Input):
    """Days a practitioner is away (no reason is asked)."""

    model_config = Input.model_config | {"json_schema_extra": not_nullable("practitioner_id")}

    practitioner_id: UUID | None = Field(
        default=None, description="You, when left out; a manager may name a member of their team"
    )
    first_day: date
    last_day: date = Field(description="On or after `first_day`, at most 366 days later")


class AbsenceOut(BaseModel):
    """A recorded absence."""

    id: UUID
    practitioner_id: UUID
    first_day: date
    last_day: date
    recorded_by: UUID
    recorded_at: datetime


class AbsenceList(BaseModel):
    """Absences, earliest first."""

    items: list[AbsenceOut]


class TeamSchedule(BaseModel):
    """The team's slots, their sessions in the window, and its people's absences in it."""

    team_id: UUID
    first_day: date
    last_day: date
    slots: list[SlotOut]
    sessions: list[SessionOut]
    absences: list[AbsenceOut]


class ProposalIn(Input):
    """What to propose for: the next weeks from tomorrow, and who chairs the meetings."""

    model_config = Input.model_config | {"json_schema_extra": not_nullable("chair_id")}

    horizon_weeks: int = Field(default=4, ge=1, le=MAX_HORIZON_WEEKS)
    chair_id: UUID | None = Field(
        default=None,
        description="Who chairs every proposed meeting: a manager of the team (you when left out)",
    )


class Person(BaseModel):
    """A practitioner, with the name the directory announced."""

    practitioner_id: UUID
    display_name: str | None


class ProposedMeetingOut(BaseModel):
    """A meeting the proposal would book."""

    session_id: str
    starts_at: datetime
    ends_at: datetime
    place: str
    case_ids: list[UUID]
    attendees: list[Person]
    meeting_id: UUID | None = Field(default=None, description="The meeting booked on acceptance")


ReasonKind = Literal["no_slot_before_due", "person_unavailable", "person_booked", "capacity"]


class ReasonOut(BaseModel):
    """What stood in the way of one session (or of every one)."""

    kind: ReasonKind
    description: str
    session_id: str | None
    day: date | None
    person: Person | None
    busy: Literal["absence", "meeting"] | None


class UnplacedCase(BaseModel):
    """A case with no session on or before its due date, and why."""

    case_id: UUID
    due_on: date
    placed_late_in: str | None = Field(description="The later session it was given, if any")
    reasons: list[ReasonOut]


class SolverOut(BaseModel):
    """How the search went: OPTIMAL when proved best, else FEASIBLE with its gap."""

    status: Literal["OPTIMAL", "FEASIBLE"]
    counts_proved: bool
    gap: float | None
    cost: int
    cost_bound: int
    wall_time_s: float


class ProposalCounts(BaseModel):
    """How many due cases the proposal places, on time and late."""

    due_cases: int
    on_time: int
    late: int
    not_placed: int


class ProposalContent(BaseModel):
    """What the scheduler answered (stored as it was)."""

    meetings: list[ProposedMeetingOut]
    unplaced: list[UnplacedCase]
    counts: ProposalCounts
    solver: SolverOut


ProposalStatus = Literal["proposed", "accepted"]


class ProposalHeader(BaseModel):
    """Who proposed what for which days, and whether it was booked."""

    id: UUID
    team_id: UUID
    chair_id: UUID
    first_day: date
    last_day: date
    status: ProposalStatus
    created_by: UUID
    created_at: datetime
    accepted_by: UUID | None
    accepted_at: datetime | None


class ProposalOut(ProposalContent, ProposalHeader):
    """A stored proposal for a team."""


class ProposalSummary(ProposalHeader):
    """A proposal in the team's list: its header and its counts (read it for the meetings)."""

    counts: ProposalCounts


class ProposalPage(BaseModel):
    """A team's proposals, newest first."""

    items: list[ProposalSummary]
    next_cursor: str | None = None
