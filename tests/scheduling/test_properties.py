"""Properties of every proposal, over random teams, sessions, absences and allocations.

What is provable, and so what is checked, whatever the search's status:

- nobody is double-booked: no one is proposed for a session that overlaps their busy times, nor
  for two sessions that overlap each other (several cases in one session are one meeting);
- no session takes more cases than its capacity, and no case goes into two sessions;
- a case is not on time only when no session on or before its due date could take it as the
  proposal stands: each such session is full, or someone the case needs is busy then, or is
  proposed (for another case) for a session overlapping it. Where no two sessions overlap this
  is the plain statement: a case that fits a session on or before its due date alone, in a
  session with room left, is placed on or before its due date. It does not say the proposal
  puts the most cases on time (a case can take the only room another case needed): that is
  the next property;
- when the search proved its counts, no proposal at all puts more cases on time, nor, with as
  many on time, places more cases: checked against every possible proposal (brute force);
- every case not on time is explained, each reason true (the person needed, busy or booked at
  that session; the session full; no session before the due date at all) and every session
  it could have had named by at least one reason.

The checks below recompute everything from the problem and the proposal, not with the
scheduler's own code.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supervision_api.scheduling import (
    Busy,
    DueCase,
    NoSlotBeforeDue,
    PersonBooked,
    PersonUnavailable,
    PlanningWindow,
    Preferences,
    Problem,
    Schedule,
    Slot,
    SlotFull,
    propose,
)
from supervision_api.scheduling.bound import most_on_time
from supervision_api.scheduling.maximal import improve
from supervision_api.scheduling.occupancy import Occupancy, ProblemIndex
from supervision_api.scheduling.timing import Timing
from tests.scheduling.builders import at

FIRST = date(2027, 3, 1)
DAYS = 14
CHAIRS = ("chair-1", "chair-2")
WORKERS = ("worker-1", "worker-2", "worker-3", "worker-4", "worker-5")


@st.composite
def problems(draw: st.DrawFn) -> Problem:
    slots = []
    # Sessions crowd into the first week and the late morning, so that they overlap, and
    # so do busy times, so that every kind of obstacle comes up.
    for n in range(draw(st.integers(1, 5))):
        day = FIRST + timedelta(days=draw(st.integers(0, 6)))
        start = draw(st.integers(9, 12))
        slots.append(
            Slot(
                slot_id=f"s{n}",
                start=at(day, start),
                end=at(day, start + draw(st.integers(1, 3))),
                capacity=draw(st.integers(1, 3)),
            )
        )
    cases = [
        DueCase(
            case_id=f"c{n}",
            due=FIRST + timedelta(days=draw(st.integers(-1, DAYS))),
            chair=draw(st.sampled_from(CHAIRS)),
            workers=frozenset(draw(st.lists(st.sampled_from(WORKERS), max_size=3))),
        )
        for n in range(draw(st.integers(1, 5)))
    ]
    busy = []
    for _ in range(draw(st.integers(0, 8))):
        day = FIRST + timedelta(days=draw(st.integers(0, 9)))
        start = draw(st.integers(8, 16))
        busy.append(
            Busy(
                person=draw(st.sampled_from(CHAIRS + WORKERS)),
                start=at(day, start),
                end=at(day, start + draw(st.integers(1, 7))),
                kind=draw(st.sampled_from(["meeting", "absence"])),
            )
        )
    return Problem(
        window=PlanningWindow(FIRST, FIRST + timedelta(days=DAYS - 1)),
        slots=tuple(slots),
        cases=tuple(cases),
        busy=tuple(busy),
    )


def intervals_overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def span(slot: Slot) -> tuple[datetime, datetime]:
    return (slot.start, slot.end)


def busy_at(problem: Problem, person: str, slot: Slot) -> list[Busy]:
    return [
        b
        for b in problem.busy
        if b.person == person and intervals_overlap((b.start, b.end), span(slot))
    ]


def attendees(case: DueCase) -> frozenset[str]:
    return case.workers | {case.chair}


def valid(problem: Problem, assignment: dict[str, str]) -> bool:
    """The hard rules, written out: capacity, busy times, nobody in two overlapping sessions."""
    slots = {slot.slot_id: slot for slot in problem.slots}
    cases = {case.case_id: case for case in problem.cases}
    for slot_id, slot in slots.items():
        if sum(1 for s in assignment.values() if s == slot_id) > slot.capacity:
            return False
    attending: dict[str, set[str]] = {}
    for case_id, slot_id in assignment.items():
        for person in attendees(cases[case_id]):
            if busy_at(problem, person, slots[slot_id]):
                return False
            attending.setdefault(person, set()).add(slot_id)
    for sessions in attending.values():
        for a in sessions:
            for b in sessions:
                if a < b and intervals_overlap(span(slots[a]), span(slots[b])):
                    return False
    return True


def counts(problem: Problem, assignment: dict[str, str]) -> tuple[int, int]:
    slots = {slot.slot_id: slot for slot in problem.slots}
    cases = {case.case_id: case for case in problem.cases}
    on_time = sum(1 for c, s in assignment.items() if slots[s].day <= cases[c].due)
    return on_time, len(assignment)


def best_counts(problem: Problem) -> tuple[int, int]:
    """The most cases on time, then placed, over every valid proposal (backtracking)."""
    best = (0, 0)
    cases = list(problem.cases)

    def extend(position: int, assignment: dict[str, str]) -> None:
        nonlocal best
        if position == len(cases):
            best = max(best, counts(problem, assignment))
            return
        case_id = cases[position].case_id
        extend(position + 1, assignment)
        for slot in problem.slots:
            assignment[case_id] = slot.slot_id
            if valid(problem, assignment):
                extend(position + 1, assignment)
            del assignment[case_id]

    extend(0, {})
    return best


def check_reason_is_true(
    problem: Problem, assignment: dict[str, str], case: DueCase, reason: object
) -> str | None:
    """The session the reason is about (None for "no session before the due date")."""
    slots = {slot.slot_id: slot for slot in problem.slots}
    cases = {c.case_id: c for c in problem.cases}
    if isinstance(reason, NoSlotBeforeDue):
        assert reason.due == case.due
        assert all(slot.day > case.due for slot in problem.slots)
        return None
    if isinstance(reason, PersonUnavailable):
        slot = slots[reason.slot_id]
        assert reason.day == slot.day
        assert reason.person in attendees(case)
        assert any(
            (b.kind, b.start, b.end) == (reason.busy, reason.busy_start, reason.busy_end)
            for b in busy_at(problem, reason.person, slot)
        )
        return reason.slot_id
    if isinstance(reason, PersonBooked):
        slot, other = slots[reason.slot_id], slots[reason.other_slot_id]
        assert reason.slot_id != reason.other_slot_id
        assert intervals_overlap(span(slot), span(other))
        assert reason.person in attendees(case)
        assert any(
            s == reason.other_slot_id and reason.person in attendees(cases[c])
            for c, s in assignment.items()
            if c != case.case_id
        )
        return reason.slot_id
    assert isinstance(reason, SlotFull)
    slot = slots[reason.slot_id]
    assert reason.capacity == slot.capacity
    assert (
        sum(1 for c, s in assignment.items() if s == reason.slot_id and c != case.case_id)
        >= slot.capacity
    )
    return reason.slot_id


def check(problem: Problem, schedule: Schedule) -> None:
    slots = {slot.slot_id: slot for slot in problem.slots}
    cases = {case.case_id: case for case in problem.cases}
    assignment = {p.case_id: p.slot_id for p in schedule.placements}

    # Each case at most once, into a real session, `on_time` true to the dates.
    assert len(assignment) == len(schedule.placements)
    for placement in schedule.placements:
        assert placement.on_time == (slots[placement.slot_id].day <= cases[placement.case_id].due)

    # Capacity, busy times, no double booking.
    assert valid(problem, assignment)

    # The meetings to book are the placements by session, with everyone needed.
    by_slot: dict[str, list[str]] = {}
    for case_id, slot_id in assignment.items():
        by_slot.setdefault(slot_id, []).append(case_id)
    assert {m.slot_id: sorted(m.case_ids) for m in schedule.meetings} == {
        s: sorted(c) for s, c in by_slot.items()
    }
    for meeting in schedule.meetings:
        assert (meeting.start, meeting.end) == span(slots[meeting.slot_id])
        assert set(meeting.attendees) == set().union(
            *(attendees(cases[c]) for c in meeting.case_ids)
        )

    # Exactly the cases not on time are explained, each reason true, every session named.
    late_or_out = {
        c for c in cases if c not in assignment or slots[assignment[c]].day > cases[c].due
    }
    assert {u.case_id for u in schedule.unplaced} == late_or_out
    for unplaced in schedule.unplaced:
        case = cases[unplaced.case_id]
        assert unplaced.due == case.due
        assert unplaced.late_slot_id == assignment.get(case.case_id)
        named = {check_reason_is_true(problem, assignment, case, r) for r in unplaced.reasons}
        could_have = {s.slot_id for s in problem.slots if s.day <= case.due}
        if unplaced.late_slot_id is None:
            could_have = set(slots)
        assert could_have <= named
        assert (None in named) == (not any(s.day <= case.due for s in problem.slots))

    check_maximal(problem, assignment)


def check_maximal(problem: Problem, assignment: dict[str, str]) -> None:
    """A case not on time fits no session on or before its due date as the others stand; a
    case not placed fits no session at all."""
    slots = {slot.slot_id: slot for slot in problem.slots}
    for case in problem.cases:
        current = assignment.get(case.case_id)
        if current is not None and slots[current].day <= case.due:
            continue
        others = {c: s for c, s in assignment.items() if c != case.case_id}
        for slot in problem.slots:
            if slot.day <= case.due or current is None:
                assert not valid(problem, {**others, case.case_id: slot.slot_id})


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(problem=problems())
def test_every_proposal_keeps_the_rules_and_explains_every_case_not_on_time(
    problem: Problem,
) -> None:
    schedule = propose(problem)

    check(problem, schedule)

    best = best_counts(problem)
    achieved = counts(problem, {p.case_id: p.slot_id for p in schedule.placements})
    bound = most_on_time(ProblemIndex(problem))
    assert achieved <= best
    assert best[0] <= bound
    if not any(a.overlaps(b) for a in problem.slots for b in problem.slots if a is not b):
        # With no sessions overlapping nobody can be double-booked, and the relaxation the
        # bound solves is the problem itself; the min-cost flow answers the counts exactly.
        assert best[0] == bound
        assert schedule.report.counts_proved
    if schedule.report.counts_proved:
        assert achieved == best
    if schedule.report.status == "OPTIMAL":
        assert schedule.report.gap == 0
        assert schedule.report.cost == schedule.report.cost_bound


@settings(max_examples=100, deadline=None, database=None, print_blob=True)
@given(problem=problems(), data=st.data())
def test_the_post_pass_makes_any_valid_proposal_maximal(
    problem: Problem, data: st.DataObject
) -> None:
    # A search cut short may leave a case late that could move on time: the post-pass must
    # catch every such case, from whatever valid proposal it starts.
    assignment: dict[str, str] = {}
    for case in problem.cases:
        slot = data.draw(st.sampled_from([None, *problem.slots]))
        if slot is not None and valid(problem, {**assignment, case.case_id: slot.slot_id}):
            assignment[case.case_id] = slot.slot_id
    before = counts(problem, assignment)
    index = ProblemIndex(problem)
    occupancy = Occupancy(index, assignment)

    moves = improve(occupancy, Timing(problem, Preferences()))

    after = dict(occupancy.assignment)
    assert valid(problem, after)
    check_maximal(problem, after)
    # Every move puts a case on time, or places a case that had no session.
    assert counts(problem, after) >= before
    assert (moves > 0) == (after != assignment)
    assert moves <= counts(problem, after)[0] - before[0] + counts(problem, after)[1] - before[1]
