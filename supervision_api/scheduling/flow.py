"""The best counts exactly, where no two sessions overlap: a min-cost flow.

Without overlapping sessions nobody can be double-booked, and what is left of the problem is a
transportation problem: each case to at most one session it is free for, each session up to its
capacity. A min-cost flow solves it exactly with costs that make it lexicographic: one more case
on time outweighs everything below, one more case placed outweighs all days, and then the
fewest working days from each case's welcome day. Grouping (attendances) is left to CP-SAT,
which starts from this answer with both counts proved.
"""

from __future__ import annotations

from ortools.graph.python import min_cost_flow

from supervision_api.scheduling.occupancy import ProblemIndex
from supervision_api.scheduling.problem import CaseId, SlotId
from supervision_api.scheduling.timing import Timing


def best_without_overlaps(index: ProblemIndex, timing: Timing) -> dict[CaseId, SlotId] | None:
    """The proposal with the most cases on time, then placed, then the fewest days; None when
    two sessions overlap (then a person's sessions constrain each other and CP-SAT decides)."""
    if any(index.overlapping.values()):
        return None
    cases = index.problem.cases
    slots = index.slot_order
    source, sink = 0, len(cases) + len(slots) + 1
    slot_node = {slot.slot_id: len(cases) + 1 + n for n, slot in enumerate(slots)}
    options = [
        (case, slot, timing.cost(case, slot))
        for case in cases
        for slot in slots
        if index.free_for(case, slot)
    ]
    days_at_most = max((cost for _, _, cost in options), default=0) + 1
    placed_weight = days_at_most * (len(cases) + 1)
    on_time_weight = placed_weight * (len(cases) + 1)

    network = min_cost_flow.SimpleMinCostFlow()
    for n in range(len(cases)):
        network.add_arc_with_capacity_and_unit_cost(source, n + 1, 1, 0)
        # Left out: the case's unit of flow goes straight to the sink, at no gain.
        network.add_arc_with_capacity_and_unit_cost(n + 1, sink, 1, 0)
    case_node = {case.case_id: n + 1 for n, case in enumerate(cases)}
    arcs: dict[int, tuple[CaseId, SlotId]] = {}
    for case, slot, cost in options:
        gain = placed_weight + (on_time_weight if index.on_time(case, slot) else 0)
        arc = network.add_arc_with_capacity_and_unit_cost(
            case_node[case.case_id], slot_node[slot.slot_id], 1, cost - gain
        )
        arcs[arc] = (case.case_id, slot.slot_id)
    for slot in slots:
        network.add_arc_with_capacity_and_unit_cost(slot_node[slot.slot_id], sink, slot.capacity, 0)
    network.set_node_supply(source, len(cases))
    network.set_node_supply(sink, -len(cases))
    status = network.solve()
    if status != network.OPTIMAL:
        # Every case can always flow straight to the sink: anything else is a fault here.
        raise RuntimeError(f"the min-cost flow ended {status}")
    return {case_id: slot_id for arc, (case_id, slot_id) in arcs.items() if network.flow(arc)}
