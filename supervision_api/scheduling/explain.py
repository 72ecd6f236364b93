"""Why a case has no session on or before its due date: for each session it could have had,
what stands in the way as the proposal stands."""

from __future__ import annotations

from supervision_api.scheduling.occupancy import Occupancy
from supervision_api.scheduling.result import NoSlotBeforeDue, Reason, Unplaced


def explain_unplaced(occupancy: Occupancy) -> list[Unplaced]:
    index = occupancy.index
    unplaced: list[Unplaced] = []
    for case in sorted(index.problem.cases, key=lambda case: (case.due, case.case_id)):
        current = occupancy.assignment.get(case.case_id)
        if current is not None and index.on_time(case, index.slots[current]):
            continue
        on_time = [slot for slot in index.slot_order if index.on_time(case, slot)]
        reasons: list[Reason] = []
        if not on_time:
            reasons.append(NoSlotBeforeDue(due=case.due))
        # Placed late: why not earlier. Not placed at all: why not in any session.
        considered = on_time if current is not None else list(index.slot_order)
        for slot in considered:
            reasons.extend(occupancy.obstacles(case, slot))
        unplaced.append(
            Unplaced(
                case_id=case.case_id, due=case.due, late_slot_id=current, reasons=tuple(reasons)
            )
        )
    return unplaced
