"""Make a proposal maximal: no case left late or out could move on time by itself.

After an optimal search this finds nothing to do. After a search the time limit cut short it
guarantees what the property test checks whatever the status: a case not on time has no session
on or before its due date that it fits as the proposal stands (someone busy or proposed for an
overlapping session, or the session full), and a case not placed at all fits no session. Each
move puts a case on time or places a case that had no session, so the loop ends.
"""

from __future__ import annotations

from supervision_api.scheduling.occupancy import Occupancy
from supervision_api.scheduling.timing import Timing


def improve(occupancy: Occupancy, timing: Timing) -> int:
    """Move cases into sessions they fit until none can move; return how many moves."""
    index = occupancy.index
    cases = sorted(index.problem.cases, key=lambda case: (case.due, case.case_id))
    moves = 0
    moved = True
    while moved:
        moved = False
        for case in cases:
            current = occupancy.assignment.get(case.case_id)
            if current is not None and index.on_time(case, index.slots[current]):
                continue
            on_time = sorted(
                (slot for slot in index.slot_order if index.on_time(case, slot)),
                key=lambda slot: (timing.cost(case, slot), slot.start, slot.slot_id),
            )
            # A late case may only move on time; a case out may also take a late session.
            later = [] if current is not None else list(index.slot_order)
            target = next((slot for slot in on_time + later if occupancy.fits(case, slot)), None)
            if target is not None:
                occupancy.place(case.case_id, target.slot_id)
                moves += 1
                moved = True
    return moves
