"""The most cases any proposal could put on time: an upper bound to measure proposals against.

Relax the problem: forget that a person cannot be in two overlapping sessions (so grouping and
double booking no longer matter) and keep only that a case goes into at most one session it is
free for on or before its due date, and that a session takes at most its capacity. What is left
is a bipartite matching with capacities, solved exactly by augmenting paths. Every valid
proposal is a matching of the relaxation, so none puts more cases on time than this.
"""

from __future__ import annotations

from supervision_api.scheduling.occupancy import ProblemIndex
from supervision_api.scheduling.problem import CaseId, SlotId


def most_on_time(index: ProblemIndex) -> int:
    """The size of a maximum capacitated matching of cases to on-time sessions they are free
    for."""
    return len(on_time_matching(index))


def on_time_matching(index: ProblemIndex) -> dict[CaseId, SlotId]:
    """A maximum capacitated matching of cases to on-time sessions they are free for. Where no
    two sessions overlap it is a valid proposal, with the most cases on time there can be."""
    options: dict[CaseId, list[SlotId]] = {
        case.case_id: [
            slot.slot_id
            for slot in index.slot_order
            if index.on_time(case, slot) and index.free_for(case, slot)
        ]
        for case in index.problem.cases
    }
    holders: dict[SlotId, list[CaseId]] = {slot_id: [] for slot_id in index.slots}

    def augment(case_id: CaseId, seen: set[SlotId]) -> bool:
        # Kuhn's algorithm with a session standing for `capacity` copies of itself.
        for slot_id in options[case_id]:
            if slot_id in seen:
                continue
            seen.add(slot_id)
            taken = holders[slot_id]
            if len(taken) < index.slots[slot_id].capacity:
                taken.append(case_id)
                return True
            for position, holder in enumerate(taken):
                if augment(holder, seen):
                    taken[position] = case_id
                    return True
        return False

    for case_id in sorted(options):
        augment(case_id, set())
    return {case_id: slot_id for slot_id, taken in holders.items() for case_id in taken}
