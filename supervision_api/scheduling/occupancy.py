"""Who is where in a proposal, and what keeps a case out of a session.

`Occupancy.obstacles` is the one definition of "this case cannot go into this session now",
shared by the post-pass that makes a proposal maximal, the explanations of unplaced cases and
the greedy baseline: what the scheduler explains is exactly what it checked.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date

from supervision_api.scheduling.problem import (
    Busy,
    CaseId,
    DueCase,
    PersonId,
    Problem,
    Slot,
    SlotId,
    overlaps,
)
from supervision_api.scheduling.result import PersonBooked, PersonUnavailable, Reason, SlotFull


class ProblemIndex:
    """The facts of a problem that no placement changes: sessions in order, which sessions
    overlap each other, and who is busy during which session."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.slots: dict[SlotId, Slot] = {slot.slot_id: slot for slot in problem.slots}
        self.cases: dict[CaseId, DueCase] = {case.case_id: case for case in problem.cases}
        # Earliest first; the id breaks ties so every pass is deterministic.
        self.slot_order: tuple[Slot, ...] = tuple(
            sorted(problem.slots, key=lambda slot: (slot.start, slot.slot_id))
        )
        # The day of each session in England, worked out once (it converts time zones).
        self.day: dict[SlotId, date] = {slot.slot_id: slot.day for slot in problem.slots}
        self.attendees: dict[CaseId, tuple[PersonId, ...]] = {
            case.case_id: tuple(sorted(case.attendees)) for case in problem.cases
        }
        self.overlapping: dict[SlotId, tuple[SlotId, ...]] = {
            slot.slot_id: tuple(
                other.slot_id
                for other in self.slot_order
                if other.slot_id != slot.slot_id and slot.overlaps(other)
            )
            for slot in self.slot_order
        }
        busy: dict[PersonId, list[Busy]] = defaultdict(list)
        for interval in problem.busy:
            busy[interval.person].append(interval)
        self._busy = {
            person: sorted(intervals, key=lambda b: (b.start, b.end, b.kind))
            for person, intervals in busy.items()
        }
        self._busy_during: dict[tuple[PersonId, SlotId], Busy | None] = {}

    def busy_during(self, person: PersonId, slot: Slot) -> Busy | None:
        """The first of the person's busy intervals that overlaps the session, if any."""
        key = (person, slot.slot_id)
        if key not in self._busy_during:
            self._busy_during[key] = next(
                (
                    interval
                    for interval in self._busy.get(person, ())
                    if overlaps(interval.start, interval.end, slot.start, slot.end)
                ),
                None,
            )
        return self._busy_during[key]

    def free_for(self, case: DueCase, slot: Slot) -> bool:
        """Everyone the case needs is free during the session (ignoring other placements)."""
        return all(
            self.busy_during(person, slot) is None for person in self.attendees[case.case_id]
        )

    def on_time(self, case: DueCase, slot: Slot) -> bool:
        return self.day[slot.slot_id] <= case.due

    def counts(self, assignment: Mapping[CaseId, SlotId]) -> tuple[int, int]:
        """Cases on time, then cases placed: what the search puts first."""
        on_time = sum(
            1
            for case_id, slot_id in assignment.items()
            if self.on_time(self.cases[case_id], self.slots[slot_id])
        )
        return on_time, len(assignment)


class Occupancy:
    """A proposal being built: each placed case's session, each session's load, and how many
    cases each person attends in each session."""

    def __init__(self, index: ProblemIndex, assignment: Mapping[CaseId, SlotId] = {}) -> None:
        self.index = index
        self.assignment: dict[CaseId, SlotId] = {}
        self.load: Counter[SlotId] = Counter()
        self.booked: dict[PersonId, Counter[SlotId]] = defaultdict(Counter)
        for case_id, slot_id in assignment.items():
            self.place(case_id, slot_id)

    def place(self, case_id: CaseId, slot_id: SlotId) -> None:
        """Put the case into the session, taking it out of any other first."""
        self.remove(case_id)
        self.assignment[case_id] = slot_id
        self.load[slot_id] += 1
        for person in self.index.attendees[case_id]:
            self.booked[person][slot_id] += 1

    def remove(self, case_id: CaseId) -> None:
        slot_id = self.assignment.pop(case_id, None)
        if slot_id is None:
            return
        self.load[slot_id] -= 1
        for person in self.index.attendees[case_id]:
            self.booked[person][slot_id] -= 1

    def attends(self, person: PersonId, slot_id: SlotId) -> bool:
        return self.booked[person][slot_id] > 0

    def obstacles(self, case: DueCase, slot: Slot) -> list[Reason]:
        """Everything that keeps the case out of the session, the case itself left out of the
        count (it may move): a person busy, a person proposed for an overlapping session, or the
        session full. Empty when the case fits."""
        reasons: list[Reason] = []
        current = self.assignment.get(case.case_id)
        people = self.index.attendees[case.case_id]
        day = self.index.day[slot.slot_id]
        for person in people:
            busy = self.index.busy_during(person, slot)
            if busy is not None:
                reasons.append(
                    PersonUnavailable(
                        slot_id=slot.slot_id,
                        day=day,
                        person=person,
                        busy=busy.kind,
                        busy_start=busy.start,
                        busy_end=busy.end,
                    )
                )
        for person in people:
            for other in self.index.overlapping[slot.slot_id]:
                others_there = self.booked[person][other] - (1 if current == other else 0)
                if others_there > 0:
                    reasons.append(
                        PersonBooked(
                            slot_id=slot.slot_id, day=day, person=person, other_slot_id=other
                        )
                    )
        load = self.load[slot.slot_id] - (1 if current == slot.slot_id else 0)
        if load >= slot.capacity:
            reasons.append(SlotFull(slot_id=slot.slot_id, day=day, capacity=slot.capacity))
        return reasons

    def fits(self, case: DueCase, slot: Slot) -> bool:
        return not self.obstacles(case, slot)
