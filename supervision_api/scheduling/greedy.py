"""The simple way to book GCS: earliest due first, each into the earliest session that fits.

It is what a manager does by hand in a calendar, and it serves twice: as the starting point
(hint) of the CP-SAT search, and as the baseline the bench compares the solver with.
"""

from __future__ import annotations

from supervision_api.scheduling.occupancy import Occupancy, ProblemIndex
from supervision_api.scheduling.problem import CaseId, SlotId


def earliest_slot_first(index: ProblemIndex) -> dict[CaseId, SlotId]:
    """Cases by due date, each into the earliest session that fits it: on or before its due
    date if any does, else the earliest later one, else none."""
    occupancy = Occupancy(index)
    for case in sorted(index.problem.cases, key=lambda case: (case.due, case.case_id)):
        slot = next((slot for slot in index.slot_order if occupancy.fits(case, slot)), None)
        if slot is not None:
            occupancy.place(case.case_id, slot.slot_id)
    return dict(occupancy.assignment)
