"""Proposing Group Case Supervision meetings: a pure, database-free scheduler.

The `/supervision/teams/{team_id}/schedule` endpoint builds a `Problem` (the team's dated
sessions, its due cases with their chair and allocated workers, everyone's busy times) and
calls `propose`. The answer places every case it can on or before its due date with CP-SAT
(OR-Tools), nobody double-booked and no session over capacity, earlier-but-not-too-early and
grouped where cases share people; every case it cannot place on time comes back with what stood
in the way of each session.
"""

from supervision_api.scheduling.problem import (
    Busy,
    BusyKind,
    CaseId,
    DueCase,
    PersonId,
    PlanningWindow,
    Preferences,
    Problem,
    Slot,
    SlotId,
)
from supervision_api.scheduling.result import (
    NoSlotBeforeDue,
    PersonBooked,
    PersonUnavailable,
    Placement,
    ProposedMeeting,
    Reason,
    Schedule,
    SlotFull,
    SolveReport,
    SolverStatus,
    Unplaced,
)
from supervision_api.scheduling.solve import propose

__all__ = [
    "Busy",
    "BusyKind",
    "CaseId",
    "DueCase",
    "NoSlotBeforeDue",
    "PersonBooked",
    "PersonId",
    "PersonUnavailable",
    "Placement",
    "PlanningWindow",
    "Preferences",
    "Problem",
    "ProposedMeeting",
    "Reason",
    "Schedule",
    "Slot",
    "SlotFull",
    "SlotId",
    "SolveReport",
    "SolverStatus",
    "Unplaced",
    "propose",
]
