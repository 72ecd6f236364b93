"""The CP-SAT model of one team's proposal, solved in two stages.

Variables: `x[c, s]` when case c may go into session s at all (everyone it needs is free then);
`a[p, s]` when person p attends session s. Hard rules: a case in at most one session; a
session's capacity; `x[c, s]` implies `a[p, s]` for everyone c needs; a person attends at most
one of two overlapping sessions (several cases in one session are one meeting for them).

The objective is lexicographic at the top, so it is solved in order rather than as one weighted
sum (whose huge weights slow the search): stage one maximises the cases on time, then the cases
placed at all (late rather than never); stage two keeps both counts and minimises the
preference cost, each session's working days from a case's welcome day plus each person's
attendances (see `Preferences`). Each stage starts from the previous answer (the first from
`solve.starting_point`, which may prove the counts and skip it), so the time limit only ever
cuts short an improvement.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from supervision_api.scheduling.occupancy import ProblemIndex
from supervision_api.scheduling.problem import CaseId, PersonId, Preferences, SlotId
from supervision_api.scheduling.result import SolverStatus
from supervision_api.scheduling.timing import Timing


@dataclass(frozen=True, slots=True)
class ModelOutcome:
    assignment: dict[CaseId, SlotId]
    counts_status: SolverStatus
    cost_status: SolverStatus
    cost_bound: int


def _status(solver: cp_model.CpSolver, code: cp_model.CpSolverStatus) -> SolverStatus | None:
    """OPTIMAL or FEASIBLE; None when the limit came before any solution (the caller keeps the
    stage's starting point, a valid proposal)."""
    if code == cp_model.OPTIMAL:
        return "OPTIMAL"
    if code == cp_model.FEASIBLE:
        return "FEASIBLE"
    if code == cp_model.UNKNOWN:
        return None
    # Every stage has a solution (its starting point is one): an infeasible or invalid model is
    # a fault in this module, not an answer.
    raise RuntimeError(f"CP-SAT found the model {solver.status_name(code)}")


class ScheduleModel:
    """The variables and hard rules of one problem, and the two stages of its search."""

    def __init__(self, index: ProblemIndex, timing: Timing, preferences: Preferences) -> None:
        self.index = index
        self.preferences = preferences
        self.model = cp_model.CpModel()
        self.place: dict[tuple[CaseId, SlotId], cp_model.IntVar] = {}
        self.attend: dict[tuple[PersonId, SlotId], cp_model.IntVar] = {}
        self.on_time: list[cp_model.IntVar] = []
        self.costs: list[tuple[cp_model.IntVar, int]] = []
        model = self.model
        in_slot: dict[SlotId, list[cp_model.IntVar]] = {}
        for case in index.problem.cases:
            choices: list[cp_model.IntVar] = []
            for slot in index.slot_order:
                if not index.free_for(case, slot):
                    continue
                var = model.new_bool_var(f"x[{case.case_id},{slot.slot_id}]")
                self.place[case.case_id, slot.slot_id] = var
                choices.append(var)
                in_slot.setdefault(slot.slot_id, []).append(var)
                if index.on_time(case, slot):
                    self.on_time.append(var)
                cost = timing.cost(case, slot)
                if cost:
                    self.costs.append((var, cost))
                for person in index.attendees[case.case_id]:
                    key = (person, slot.slot_id)
                    if key not in self.attend:
                        self.attend[key] = model.new_bool_var(f"a[{person},{slot.slot_id}]")
                    model.add_implication(var, self.attend[key])
            if len(choices) > 1:
                model.add_at_most_one(choices)
        for slot in index.slot_order:
            there = in_slot.get(slot.slot_id, [])
            if len(there) > slot.capacity:
                model.add(sum(there) <= slot.capacity)
        for (person, slot_id), var in self.attend.items():
            for other in index.overlapping[slot_id]:
                other_var = self.attend.get((person, other))
                if other_var is not None and slot_id < other:
                    model.add_bool_or([var.Not(), other_var.Not()])

    def _hint(self, assignment: Mapping[CaseId, SlotId]) -> None:
        self.model.clear_hints()  # type: ignore[no-untyped-call]  # untyped in ortools
        for (case_id, slot_id), var in self.place.items():
            self.model.add_hint(var, assignment.get(case_id) == slot_id)
        attending = {
            (person, slot_id)
            for case_id, slot_id in assignment.items()
            for person in self.index.attendees[case_id]
        }
        for key, var in self.attend.items():
            self.model.add_hint(var, key in attending)

    def _solver(self, deterministic_limit: float, wall_limit: float) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        parameters = solver.parameters
        parameters.num_workers = self.preferences.workers
        # Several workers race unless the search is interleaved: then they run in fixed
        # batches, and with a deterministic time limit (CP-SAT's measure of work done, the same
        # on a fast laptop and a loaded server) the same input gives the same proposal.
        parameters.interleave_search = self.preferences.workers > 1
        parameters.random_seed = self.preferences.seed
        parameters.max_deterministic_time = max(deterministic_limit, 1e-3)
        parameters.max_time_in_seconds = max(wall_limit, 1e-3)
        return solver

    def _assignment(self, solver: cp_model.CpSolver) -> dict[CaseId, SlotId]:
        return {
            case_id: slot_id
            for (case_id, slot_id), var in self.place.items()
            if solver.boolean_value(var)
        }

    def solve(self, hint: Mapping[CaseId, SlotId], counts_known: bool = False) -> ModelOutcome:
        """Both stages, starting from `hint`; the first is skipped when `counts_known` (the
        hint is proved to have the most cases on time and placed). The second stage gets
        whatever the first left of the limits."""
        started = time.perf_counter()
        model = self.model
        cases = len(self.index.problem.cases)
        placed = sum(self.place.values())
        on_time = sum(self.on_time)
        limit = self.preferences.deterministic_limit
        wall = self.preferences.wall_limit_s

        counts = dict(hint)
        counts_status: SolverStatus = "OPTIMAL"
        if not counts_known:
            model.maximize((cases + 1) * on_time + placed)
            self._hint(hint)
            solver = self._solver(limit / 2, wall / 2)
            found = _status(solver, solver.solve(model))
            answer = self._assignment(solver) if found else counts
            if self.index.counts(answer) >= self.index.counts(counts):
                counts = answer
            counts_status = found or "FEASIBLE"
            limit -= solver.deterministic_time
        on_time_count = self.index.counts(counts)[0]

        model.add(on_time >= on_time_count)
        model.add(placed >= len(counts))
        cost = sum(weight * var for var, weight in self.costs) + (
            self.preferences.attendance_cost * sum(self.attend.values())
        )
        model.minimize(cost)
        self._hint(counts)
        solver = self._solver(limit, wall - (time.perf_counter() - started))
        found = _status(solver, solver.solve(model))
        return ModelOutcome(
            assignment=self._assignment(solver) if found else counts,
            counts_status=counts_status,
            cost_status=found or "FEASIBLE",
            # Without a solution the only bound known is that no cost is negative.
            cost_bound=round(solver.best_objective_bound) if found else 0,
        )
