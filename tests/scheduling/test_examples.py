"""The GCS scheduler on small teams written by hand: each rule and each reason once."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from supervision_api.scheduling import (
    Busy,
    NoSlotBeforeDue,
    PersonBooked,
    PersonUnavailable,
    PlanningWindow,
    Preferences,
    Problem,
    Slot,
    SlotFull,
    propose,
)
from tests.scheduling.builders import at, away, case, session

MONDAY = date(2027, 3, 1)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
FRIDAY = MONDAY + timedelta(days=4)
MONTH = PlanningWindow(MONDAY, MONDAY + timedelta(days=27))


def test_a_worker_on_leave_on_the_only_session_leaves_the_case_unplaced_naming_them() -> None:
    problem = Problem(
        window=MONTH,
        slots=(session("tue", TUESDAY),),
        cases=(case("family-a", FRIDAY, "social-worker", "adult-worker"),),
        busy=(away("adult-worker", TUESDAY),),
    )

    schedule = propose(problem)

    assert schedule.placements == ()
    assert schedule.meetings == ()
    [unplaced] = schedule.unplaced
    assert unplaced.case_id == "family-a"
    assert unplaced.late_slot_id is None
    assert unplaced.reasons == (
        PersonUnavailable(
            slot_id="tue",
            day=TUESDAY,
            person="adult-worker",
            busy="absence",
            busy_start=at(TUESDAY, 8),
            busy_end=at(TUESDAY, 18),
        ),
    )
    assert unplaced.reasons[0].describe() == (
        "adult-worker is absent during the session on 2027-03-02"
    )


def test_an_existing_meeting_that_only_touches_the_session_does_not_block_it() -> None:
    problem = Problem(
        window=MONTH,
        slots=(session("tue", TUESDAY, hour=10, hours=2),),
        cases=(case("family-a", FRIDAY, "social-worker"),),
        busy=(
            Busy("social-worker", at(TUESDAY, 9), at(TUESDAY, 10), "meeting"),
            Busy("manager", at(TUESDAY, 12), at(TUESDAY, 13), "meeting"),
        ),
    )

    schedule = propose(problem)

    assert [(p.case_id, p.slot_id, p.on_time) for p in schedule.placements] == [
        ("family-a", "tue", True)
    ]
    assert schedule.unplaced == ()


def test_two_cases_sharing_a_worker_are_grouped_into_one_meeting() -> None:
    # Each case is best a day apart; together they save the chair and the shared worker a
    # meeting each, worth more than one day.
    problem = Problem(
        window=MONTH,
        slots=(session("tue", TUESDAY), session("wed", WEDNESDAY)),
        cases=(
            case("family-a", FRIDAY, "shared-worker", "worker-a", not_before=TUESDAY),
            case("family-b", FRIDAY, "shared-worker", "worker-b", not_before=WEDNESDAY),
        ),
    )

    schedule = propose(problem)

    [meeting] = schedule.meetings
    assert meeting.case_ids == ("family-a", "family-b")
    assert meeting.attendees == ("manager", "shared-worker", "worker-a", "worker-b")
    assert all(placement.on_time for placement in schedule.placements)
    assert schedule.report.status == "OPTIMAL"
    assert schedule.report.gap == 0


def test_cases_sharing_nobody_each_keep_their_best_day() -> None:
    problem = Problem(
        window=MONTH,
        slots=(session("tue", TUESDAY), session("wed", WEDNESDAY)),
        cases=(
            case("family-a", FRIDAY, "worker-a", chair="manager-a", not_before=TUESDAY),
            case("family-b", FRIDAY, "worker-b", chair="manager-b", not_before=WEDNESDAY),
        ),
    )

    schedule = propose(problem)

    assert {(p.case_id, p.slot_id) for p in schedule.placements} == {
        ("family-a", "tue"),
        ("family-b", "wed"),
    }


def test_the_session_nearest_the_welcome_day_counted_in_working_days_is_chosen() -> None:
    # Due Friday 9 April 2027: ten working days before is Wednesday 24 March, counting over
    # Easter Monday and Good Friday (without them it would be Friday 26 March). Too early and
    # too late both cost: the Wednesday wins over the Tuesday and the Thursday.
    due = date(2027, 4, 9)
    sessions = [date(2027, 3, 23), date(2027, 3, 24), date(2027, 3, 25), date(2027, 4, 8)]
    problem = Problem(
        window=PlanningWindow(date(2027, 3, 22), date(2027, 4, 9)),
        slots=tuple(session(day.isoformat(), day) for day in sessions),
        cases=(case("family-a", due, "social-worker"),),
    )

    schedule = propose(problem)

    assert [p.slot_id for p in schedule.placements] == ["2027-03-24"]
    assert schedule.report.status == "OPTIMAL"


def test_a_full_session_is_the_reason_given() -> None:
    problem = Problem(
        window=MONTH,
        slots=(session("tue", TUESDAY, capacity=2),),
        cases=tuple(case(f"family-{n}", FRIDAY, f"worker-{n}") for n in range(3)),
    )

    schedule = propose(problem)

    assert len(schedule.placements) == 2
    [unplaced] = schedule.unplaced
    assert unplaced.reasons == (SlotFull(slot_id="tue", day=TUESDAY, capacity=2),)
    assert unplaced.reasons[0].describe() == "the session on 2027-03-02 is full (2 cases)"


def test_a_case_with_no_session_before_its_due_date_is_offered_the_first_one_after() -> None:
    later = MONDAY + timedelta(days=9)
    problem = Problem(
        window=MONTH,
        slots=(session("late", later), session("later", later + timedelta(days=7))),
        cases=(case("family-a", FRIDAY, "social-worker"),),
    )

    schedule = propose(problem)

    [placement] = schedule.placements
    assert (placement.slot_id, placement.on_time) == ("late", False)
    [unplaced] = schedule.unplaced
    assert unplaced.late_slot_id == "late"
    assert unplaced.reasons == (NoSlotBeforeDue(due=FRIDAY),)


def test_nobody_is_in_two_overlapping_sessions() -> None:
    # Two rooms at the same hour: the chair can only be in one of them.
    problem = Problem(
        window=MONTH,
        slots=(
            Slot("room-1", at(TUESDAY, 10), at(TUESDAY, 12), capacity=1),
            Slot("room-2", at(TUESDAY, 11), at(TUESDAY, 13), capacity=1),
        ),
        cases=(case("family-a", FRIDAY, "worker-a"), case("family-b", FRIDAY, "worker-b")),
    )

    schedule = propose(problem)

    [placement] = schedule.placements
    [unplaced] = schedule.unplaced
    taken = placement.slot_id
    other = "room-2" if taken == "room-1" else "room-1"
    assert set(unplaced.reasons) == {
        SlotFull(slot_id=taken, day=TUESDAY, capacity=1),
        PersonBooked(slot_id=other, day=TUESDAY, person="manager", other_slot_id=taken),
    }


def test_the_same_question_gets_the_same_answer() -> None:
    rng = random.Random(7)
    days = [MONDAY + timedelta(days=n) for n in range(28) if n % 7 in (1, 2, 3)]
    workers = [f"worker-{n}" for n in range(8)]
    problem = Problem(
        window=MONTH,
        slots=tuple(session(f"s{n}", day, capacity=3) for n, day in enumerate(days)),
        cases=tuple(
            case(f"family-{n}", MONDAY + timedelta(days=rng.randrange(35)), *rng.sample(workers, 2))
            for n in range(30)
        ),
        busy=tuple(away(rng.choice(workers), rng.choice(days)) for _ in range(10)),
    )
    preferences = Preferences(deterministic_limit=0.05)

    first, second = propose(problem, preferences), propose(problem, preferences)

    assert (first.placements, first.meetings, first.unplaced) == (
        second.placements,
        second.meetings,
        second.unplaced,
    )
    assert first.report.cost == second.report.cost


@pytest.mark.parametrize(
    "build",
    [
        lambda: Slot("naive", datetime(2027, 3, 2, 10), datetime(2027, 3, 2, 12), 1),
        lambda: Slot("backwards", at(TUESDAY, 12), at(TUESDAY, 10), 1),
        lambda: Slot("empty", at(TUESDAY, 10), at(TUESDAY, 12), 0),
        lambda: Problem(MONTH, (session("outside", MONDAY - timedelta(days=1)),), ()),
        lambda: Problem(MONTH, (session("twice", TUESDAY), session("twice", WEDNESDAY)), ()),
        lambda: PlanningWindow(TUESDAY, MONDAY),
        lambda: Preferences(workers=0),
    ],
)
def test_a_malformed_question_is_refused(build: Callable[[], object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case raises its own message
        build()


def test_a_team_without_sessions_gets_every_case_explained() -> None:
    schedule = propose(Problem(window=MONTH, slots=(), cases=(case("family-a", FRIDAY, "sw"),)))

    assert schedule.placements == ()
    [unplaced] = schedule.unplaced
    assert (unplaced.late_slot_id, unplaced.reasons) == (None, (NoSlotBeforeDue(due=FRIDAY),))
    assert schedule.report.status == "OPTIMAL"
