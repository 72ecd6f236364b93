"""What the GCS scheduler is asked: the planning window, the team's sessions, the due cases and
when each person is busy.

Everything here is a plain value: the endpoint builds it from the supervision schema, the
property test and the bench build it from random data. Identifiers are strings so the solver
never cares whether they came from UUIDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from services.working_days import ENGLAND, WorkingCalendar, local_date

CaseId = str
SlotId = str
PersonId = str
BusyKind = Literal["meeting", "absence"]


def overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    """Half-open intervals overlap: a meeting ending at 11:00 leaves 11:00 free."""
    return start < other_end and other_start < end


def _require_aware(*moments: datetime) -> None:
    if any(moment.tzinfo is None for moment in moments):
        raise ValueError("every time must carry its time zone")


@dataclass(frozen=True, slots=True)
class PlanningWindow:
    """The days the proposal covers, both included."""

    first_day: date
    last_day: date

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ValueError("a planning window ends on or after its first day")


@dataclass(frozen=True, slots=True)
class Slot:
    """One dated session of the team's recurring GCS slot, taking up to `capacity` cases.

    The caller expands the recurring slots over working days (`services/working_days.py`): the
    scheduler offers every session it is given.
    """

    slot_id: SlotId
    start: datetime
    end: datetime
    capacity: int

    def __post_init__(self) -> None:
        _require_aware(self.start, self.end)
        if self.end <= self.start:
            raise ValueError(f"slot {self.slot_id} ends before it starts")
        if self.capacity < 1:
            raise ValueError(f"slot {self.slot_id} must take at least one case")

    @property
    def day(self) -> date:
        """The day in England the session falls on."""
        return local_date(self.start)

    def overlaps(self, other: Slot) -> bool:
        return overlaps(self.start, self.end, other.start, other.end)


@dataclass(frozen=True, slots=True)
class DueCase:
    """A case due a GCS by `due`, chaired by `chair`, with every worker allocated to it.

    `not_before` is the day from which a GCS is welcome: earlier than that shortens the
    supervision cycle for nothing. Left out, the scheduler counts it back from the due date.
    """

    case_id: CaseId
    due: date
    chair: PersonId
    workers: frozenset[PersonId]
    not_before: date | None = None

    @property
    def attendees(self) -> frozenset[PersonId]:
        """Everyone who must be there: the chair and every allocated worker."""
        return self.workers | {self.chair}


@dataclass(frozen=True, slots=True)
class Busy:
    """A time a person cannot attend: an existing meeting or a recorded absence."""

    person: PersonId
    start: datetime
    end: datetime
    kind: BusyKind

    def __post_init__(self) -> None:
        _require_aware(self.start, self.end)
        if self.end <= self.start:
            raise ValueError(f"a busy interval of {self.person} ends before it starts")


@dataclass(frozen=True, slots=True)
class Problem:
    """One team's scheduling question."""

    window: PlanningWindow
    slots: tuple[Slot, ...]
    cases: tuple[DueCase, ...]
    busy: tuple[Busy, ...] = ()

    def __post_init__(self) -> None:
        slot_ids = [slot.slot_id for slot in self.slots]
        if len(set(slot_ids)) != len(slot_ids):
            raise ValueError("slot ids must be unique")
        case_ids = [case.case_id for case in self.cases]
        if len(set(case_ids)) != len(case_ids):
            raise ValueError("case ids must be unique")
        for slot in self.slots:
            if not self.window.first_day <= slot.day <= self.window.last_day:
                raise ValueError(f"slot {slot.slot_id} falls outside the planning window")


@dataclass(frozen=True, slots=True)
class Preferences:
    """How the scheduler weighs what is not a hard rule, and how long it may search.

    The objective is lexicographic at the top: first as many cases on or before their due date
    as possible, then as many cases placed at all (late rather than never). Below that, each
    working day a session lies from a case's welcome day costs `day_cost`, and each session a
    person attends costs `attendance_cost`: grouping cases that share workers into one session
    saves that. With the defaults, putting two cases that share a worker and the chair together
    is worth moving one of them by up to four working days.
    """

    lead_working_days: int = 10
    day_cost: int = 1
    attendance_cost: int = 2
    # Deterministic time is CP-SAT's measure of work done, the same on any machine: the search
    # stops at the same point on a fast laptop and a loaded server, so a proposal is
    # reproducible (the seed is fixed too). The wall-clock limit only guards against a
    # pathological instance. One worker by default: several workers race unless their search
    # is interleaved, and the interleaved two-worker search found worse proposals than one
    # worker in the same deterministic time on a month of 50 cases (bench/README.md); a
    # two-core server proposes for two teams at once instead. 0.2 is about 0.7 s of CPU for a
    # team of 50 cases; past it the proposals hardly improve (bench/README.md).
    deterministic_limit: float = 0.2
    wall_limit_s: float = 5.0
    workers: int = 1
    seed: int = 0
    calendar: WorkingCalendar = ENGLAND

    def __post_init__(self) -> None:
        if self.lead_working_days < 0 or self.day_cost < 0 or self.attendance_cost < 0:
            raise ValueError("preferences are non-negative")
        if self.workers < 1 or self.deterministic_limit <= 0 or self.wall_limit_s <= 0:
            raise ValueError("the solver needs a worker and a positive time limit")
