"""Propose a team's GCS meetings: search, make the proposal maximal, explain what is left."""

from __future__ import annotations

import time

from supervision_api.scheduling.explain import explain_unplaced
from supervision_api.scheduling.flow import best_without_overlaps
from supervision_api.scheduling.greedy import earliest_slot_first
from supervision_api.scheduling.maximal import improve
from supervision_api.scheduling.model import ScheduleModel
from supervision_api.scheduling.occupancy import Occupancy, ProblemIndex
from supervision_api.scheduling.problem import CaseId, Preferences, Problem, SlotId
from supervision_api.scheduling.result import (
    Placement,
    ProposedMeeting,
    Schedule,
    SolveReport,
)
from supervision_api.scheduling.timing import Timing


def preference_cost(occupancy: Occupancy, timing: Timing, preferences: Preferences) -> int:
    """What the second stage minimises, for a proposal: each case's days from its welcome day,
    and each person's attendances."""
    index = occupancy.index
    days = sum(
        timing.cost(index.cases[case_id], index.slots[slot_id])
        for case_id, slot_id in occupancy.assignment.items()
    )
    attendances = sum(
        1 for booked in occupancy.booked.values() for load in booked.values() if load > 0
    )
    return days + preferences.attendance_cost * attendances


def starting_point(index: ProblemIndex, timing: Timing) -> tuple[dict[CaseId, SlotId], bool]:
    """Where the search starts, and whether it already has the most cases on time and placed.

    Where no two sessions overlap the min-cost flow (`flow.py`) answers the counts exactly, and
    the first stage of the search has nothing to find. Otherwise the greedy proposal starts it.
    """
    exact = best_without_overlaps(index, timing)
    if exact is not None:
        return exact, True
    return earliest_slot_first(index), False


def propose(problem: Problem, preferences: Preferences | None = None) -> Schedule:
    """The proposal for one team: placements, the meetings to book, and the cases that could
    not go on time with the reasons. Pure: reads nothing, writes nothing."""
    started = time.perf_counter()
    preferences = preferences or Preferences()
    index = ProblemIndex(problem)
    timing = Timing(problem, preferences)
    start, counts_known = starting_point(index, timing)
    outcome = ScheduleModel(index, timing, preferences).solve(start, counts_known=counts_known)
    occupancy = Occupancy(index, outcome.assignment)
    improvements = improve(occupancy, timing)
    cost = preference_cost(occupancy, timing, preferences)

    placements = tuple(
        Placement(
            case_id=case_id,
            slot_id=slot_id,
            on_time=index.on_time(index.cases[case_id], index.slots[slot_id]),
        )
        for case_id, slot_id in sorted(occupancy.assignment.items())
    )
    meetings = []
    for slot in index.slot_order:
        case_ids = tuple(
            sorted(
                case_id
                for case_id, slot_id in occupancy.assignment.items()
                if slot_id == slot.slot_id
            )
        )
        if case_ids:
            attendees = set().union(*(index.cases[case_id].attendees for case_id in case_ids))
            meetings.append(
                ProposedMeeting(
                    slot_id=slot.slot_id,
                    start=slot.start,
                    end=slot.end,
                    case_ids=case_ids,
                    attendees=tuple(sorted(attendees)),
                )
            )
    return Schedule(
        placements=placements,
        meetings=tuple(meetings),
        unplaced=tuple(explain_unplaced(occupancy)),
        report=SolveReport(
            status="OPTIMAL"
            if outcome.counts_status == outcome.cost_status == "OPTIMAL" and not improvements
            else "FEASIBLE",
            counts_proved=outcome.counts_status == "OPTIMAL" and not improvements,
            cost=cost,
            cost_bound=outcome.cost_bound,
            gap=None if improvements else (cost - outcome.cost_bound) / max(1, cost),
            wall_time_s=time.perf_counter() - started,
            improvements=improvements,
        ),
    )
