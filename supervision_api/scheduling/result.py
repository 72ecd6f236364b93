"""What the GCS scheduler answers: placements, the meetings to book, and every case it could not
place on time with the reasons, each naming the session and the person or the rule in the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from supervision_api.scheduling.problem import BusyKind, CaseId, PersonId, SlotId


@dataclass(frozen=True, slots=True)
class Placement:
    """A case proposed for a session; `on_time` when the session is on or before its due date."""

    case_id: CaseId
    slot_id: SlotId
    on_time: bool


@dataclass(frozen=True, slots=True)
class ProposedMeeting:
    """A session to book: the cases it discusses and everyone who must attend."""

    slot_id: SlotId
    start: datetime
    end: datetime
    case_ids: tuple[CaseId, ...]
    attendees: tuple[PersonId, ...]


@dataclass(frozen=True, slots=True)
class NoSlotBeforeDue:
    """The window holds no session on or before the case's due date."""

    due: date
    kind: Literal["no_slot_before_due"] = "no_slot_before_due"

    def describe(self) -> str:
        return f"no session on or before the due date {self.due.isoformat()}"


@dataclass(frozen=True, slots=True)
class PersonUnavailable:
    """A person the case needs is absent or in another meeting during the session."""

    slot_id: SlotId
    day: date
    person: PersonId
    busy: BusyKind
    busy_start: datetime
    busy_end: datetime
    kind: Literal["person_unavailable"] = "person_unavailable"

    def describe(self) -> str:
        what = "absent" if self.busy == "absence" else "in another meeting"
        return f"{self.person} is {what} during the session on {self.day.isoformat()}"


@dataclass(frozen=True, slots=True)
class PersonBooked:
    """A person the case needs is proposed for another session at the same time."""

    slot_id: SlotId
    day: date
    person: PersonId
    other_slot_id: SlotId
    kind: Literal["person_booked"] = "person_booked"

    def describe(self) -> str:
        return (
            f"{self.person} is proposed for session {self.other_slot_id}, which overlaps the "
            f"session on {self.day.isoformat()}"
        )


@dataclass(frozen=True, slots=True)
class SlotFull:
    """The session already takes as many cases as it can."""

    slot_id: SlotId
    day: date
    capacity: int
    kind: Literal["capacity"] = "capacity"

    def describe(self) -> str:
        return f"the session on {self.day.isoformat()} is full ({self.capacity} cases)"


Reason = NoSlotBeforeDue | PersonUnavailable | PersonBooked | SlotFull


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A case with no session on or before its due date.

    `late_slot_id` is the earliest session after the due date it could have (None: none in the
    window). `reasons` name, for every session on or before the due date (and, when it has no
    late session either, every later one), what stands in the way.
    """

    case_id: CaseId
    due: date
    late_slot_id: SlotId | None
    reasons: tuple[Reason, ...]


SolverStatus = Literal["OPTIMAL", "FEASIBLE"]


@dataclass(frozen=True, slots=True)
class SolveReport:
    """How the search went.

    `status` is OPTIMAL when the proposal is proved best: most cases on time, then most placed,
    then the least preference cost (days from each case's welcome day and people's
    attendances). `counts_proved` says the first two alone were proved best. `gap` is the
    relative gap on the preference cost, `(cost - bound) / max(1, cost)`: 0 when proved best;
    None when the post-pass had to move cases (`improvements`) after a search cut short, as the
    bound then no longer applies.
    """

    status: SolverStatus
    counts_proved: bool
    cost: int
    cost_bound: int
    gap: float | None
    wall_time_s: float
    improvements: int


@dataclass(frozen=True, slots=True)
class Schedule:
    """The proposal for one team."""

    placements: tuple[Placement, ...]
    meetings: tuple[ProposedMeeting, ...]
    unplaced: tuple[Unplaced, ...]
    report: SolveReport
