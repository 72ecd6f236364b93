"""Supervision's part of the matrix: its records in the world and in scratch, ids and bodies.

Supervision knows cases from the workbook's events, so every case the matrix uses there is first
delivered to it, signed, as production's relay would (`project`). Its meetings are booked by
team A's manager, who chairs them; a record to finalise needs a meeting already held, and one
to amend a final record. Audiences: supervision applies the workbook's rule without break-glass
(services/projection/access.py), and its team views are for the team's managers alone.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from services.registry import SUPERVISION
from supervision_api.models import projection
from tests.access_matrix import personas as p
from tests.access_matrix.stack import Stack, relay_case_events
from tests.access_matrix.world import World, ok

# Case A's audience in supervision: the workbook's less the break-glass holder.
CASE_A: p.Audience = p.CASE_A - {p.BREAK_GLASS}
# A team's cadence and due list: its managers.
TEAM_A_MANAGERS: p.Audience = frozenset({p.TEAM_MANAGER})
ALLOCATED: frozenset[str] = frozenset(p.ALLOCATED_ON_CASE_A)


async def project(
    stack: Stack, case_id: str, allocations: int = len(p.ALLOCATED_ON_CASE_A)
) -> None:
    """Make sure supervision holds the case and its allocations before anyone asks it."""
    sessions = stack.apps[SUPERVISION.name].state.sessionmaker
    projected = projection.tables.allocations
    for attempt in range(200):
        async with sessions() as session:
            held = await session.scalar(
                select(func.count()).where(projected.c.case_id == UUID(case_id))
            )
        if held and held >= allocations:
            return
        if attempt:
            await asyncio.sleep(0.05)
        await relay_case_events(stack)
    raise AssertionError(f"supervision never learned case {case_id}")


def _hour(days: int) -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=days)


async def book(stack: Stack, case_id: str, *, held: bool = False) -> str:
    """A meeting about the case, chaired by team A's manager: next week, or an hour ago."""
    await project(stack, case_id)
    start = _hour(0) - timedelta(hours=2) if held else _hour(7)
    body = {
        "team_id": str(next(iter(stack.principals[p.TEAM_MANAGER].managed_team_ids))),
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "place": "Matrix room",
        "case_ids": [case_id],
    }
    response = await stack.call(p.TEAM_MANAGER, SUPERVISION, "POST", "/meetings", json=body)
    return str(ok(response)["id"])


async def finalise(stack: Stack, meeting_id: str, case_id: str) -> None:
    """The chair finalises the case's record at a held meeting."""
    path = f"/meetings/{meeting_id}/cases/{case_id}/record/finalise"
    response = await stack.call(
        p.TEAM_MANAGER, SUPERVISION, "POST", path, headers={"If-Match": "*"}
    )
    ok(response, 200)


async def action(stack: Stack, case_id: str, *, final: bool = False) -> str:
    """An open action on the case, owned by its social worker, from a held meeting (its record
    final when asked)."""
    meeting_id = await book(stack, case_id, held=True)
    path = f"/meetings/{meeting_id}/cases/{case_id}/record/actions"
    body = {
        "description": "Matrix action",
        "owner_id": str(stack.principals[p.SOCIAL_WORKER].practitioner_id),
        "due_on": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
    }
    made = ok(await stack.call(p.TEAM_MANAGER, SUPERVISION, "POST", path, json=body), 200)
    if final:
        await finalise(stack, meeting_id, case_id)
    return str(made["actions"][0]["id"])


async def decision(stack: Stack, case_id: str) -> str:
    """A decision on the case at a held meeting whose record is final."""
    meeting_id = await book(stack, case_id, held=True)
    path = f"/meetings/{meeting_id}/cases/{case_id}/record/decisions"
    body = {"decision": "Matrix decision", "rationale": "Matrix rationale"}
    made = ok(await stack.call(p.TEAM_MANAGER, SUPERVISION, "POST", path, json=body), 200)
    await finalise(stack, meeting_id, case_id)
    return str(made["decisions"][0]["id"])


def team_a_schedule(stack: Stack) -> str:
    team = next(iter(stack.principals[p.TEAM_MANAGER].managed_team_ids))
    return f"/teams/{team}/schedule"


async def proposal(stack: Stack) -> str:
    """A schedule proposal for team A by its manager (its slots start a year ahead, so it
    proposes no meeting, and accepting it never conflicts with the matrix's other writes)."""
    path = f"{team_a_schedule(stack)}/proposals"
    made = ok(await stack.call(p.TEAM_MANAGER, SUPERVISION, "POST", path, json={}))
    return str(made["id"])


async def slot(stack: Stack) -> str:
    """A recurring slot of team A, in force from a year ahead."""
    body = {
        "weekday": "monday",
        "starts_at": "10:00",
        "duration_minutes": 60,
        "place": "Matrix room",
        "capacity": 2,
        "valid_from": future_day(366),
    }
    path = f"{team_a_schedule(stack)}/slots"
    return str(ok(await stack.call(p.TEAM_MANAGER, SUPERVISION, "POST", path, json=body))["id"])


async def absence(stack: Stack) -> str:
    """The social worker's own absence, a year ahead."""
    body = {"first_day": future_day(366), "last_day": future_day(367)}
    response = await stack.call(p.SOCIAL_WORKER, SUPERVISION, "POST", "/absences", json=body)
    return str(ok(response)["id"])


async def record_world(stack: Stack, world: World) -> None:
    """Case A's meeting and an action on it, the social worker's calendar feed, and a
    schedule proposal for team A."""
    world.supervision_meeting_a = await book(stack, world.case_a)
    world.supervision_action_a = await action(stack, world.case_a)
    await project(stack, world.case_b, len(p.ALLOCATED_ON_CASE_B))
    feed = ok(await stack.call(p.SOCIAL_WORKER, SUPERVISION, "POST", "/calendar/feed"))
    world.supervision_feed = str(feed["url"]).rsplit("/", 1)[-1]
    world.supervision_proposal_a = await proposal(stack)


def future_day(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).date().isoformat()


def body_values() -> dict[str, Any]:
    """Members of supervision's bodies the generator cannot choose alone (bodies.py)."""

    async def starts(fill: Any, siblings: dict[str, Any]) -> Any:
        return _hour(10).isoformat()

    async def ends(fill: Any, siblings: dict[str, Any]) -> Any:
        return (_hour(10) + timedelta(hours=1)).isoformat()

    async def team(fill: Any, siblings: dict[str, Any]) -> Any:
        return str(fill.world.team(p.TEAM_A))

    async def agenda(fill: Any, siblings: dict[str, Any]) -> Any:
        case = await fill.scratch.case()
        await project(fill.scratch.stack, case.case_id)
        return [case.case_id]

    async def social_worker(fill: Any, siblings: dict[str, Any]) -> Any:
        return str(fill.scratch.stack.principals[p.SOCIAL_WORKER].practitioner_id)

    async def month_ahead(fill: Any, siblings: dict[str, Any]) -> Any:
        return future_day(30)

    async def scaling(fill: Any, siblings: dict[str, Any]) -> Any:
        return 5

    async def rationale(fill: Any, siblings: dict[str, Any]) -> Any:
        return "Corrected rationale"

    async def year_ahead(fill: Any, siblings: dict[str, Any]) -> Any:
        return future_day(366)

    async def ten(fill: Any, siblings: dict[str, Any]) -> Any:
        return "10:00"

    return {
        "MeetingBooking.team_id": team,
        "MeetingBooking.case_ids": agenda,
        "MeetingBooking.starts_at": starts,
        "MeetingBooking.ends_at": ends,
        "MeetingMove.starts_at": starts,
        "MeetingMove.ends_at": ends,
        "AttendanceIn.practitioner_id": social_worker,
        "ActionIn.owner_id": social_worker,
        "ActionIn.due_on": month_ahead,
        # An amendment changes something.
        "RecordAmendmentIn.scaling": scaling,
        # A correction changes something.
        "DecisionAmendmentIn.rationale": rationale,
        "ActionAmendmentIn.due_on": month_ahead,
        # Schedule writes a year ahead: they never touch the proposals of the next weeks.
        "SlotIn.starts_at": ten,
        "SlotIn.valid_from": year_ahead,
        "AbsenceIn.first_day": year_ahead,
        "AbsenceIn.last_day": year_ahead,
    }


MEETINGS = "/supervision/meetings/{meeting_id}"
RECORD = f"{MEETINGS}/cases/{{case_id}}/record"
SCHEDULE = "/supervision/teams/{team_id}/schedule"
# The social worker's absence: theirs, and their team's manager's.
ABSENCE_AUDIENCE: p.Audience = frozenset({p.SOCIAL_WORKER, p.TEAM_MANAGER})
# Who must succeed at each of supervision's writes (expectations.py).
WRITERS: dict[str, frozenset[str]] = {
    "PUT /supervision/teams/{team_id}/cadence": TEAM_A_MANAGERS,
    "PUT /supervision/cases/{case_id}/cadence": TEAM_A_MANAGERS,
    "POST /supervision/meetings": TEAM_A_MANAGERS,
    f"POST {MEETINGS}/reschedule": TEAM_A_MANAGERS,
    f"POST {MEETINGS}/cancel": TEAM_A_MANAGERS,
    f"POST {MEETINGS}/attendance": TEAM_A_MANAGERS,
    f"PATCH {RECORD}": TEAM_A_MANAGERS,
    f"POST {RECORD}/updates": ALLOCATED,
    f"POST {RECORD}/decisions": TEAM_A_MANAGERS,
    f"POST {RECORD}/actions": TEAM_A_MANAGERS,
    f"POST {RECORD}/finalise": TEAM_A_MANAGERS,
    f"POST {RECORD}/amendments": TEAM_A_MANAGERS,
    # The action's owner (the social worker) and the team's manager.
    "POST /supervision/cases/{case_id}/actions/{action_id}/close": TEAM_A_MANAGERS
    | {p.SOCIAL_WORKER},
    # Everyone who is invited to meetings keeps a calendar feed (break-glass holders too:
    # it is their own, not a case's).
    "POST /supervision/calendar/feed": p.PRACTITIONERS,
    "DELETE /supervision/calendar/feed": p.PRACTITIONERS,
    # Corrections of a final record's decisions and actions: the chair and the team's managers.
    "POST /supervision/cases/{case_id}/decisions/{decision_id}/amendments": TEAM_A_MANAGERS,
    "POST /supervision/cases/{case_id}/actions/{action_id}/amendments": TEAM_A_MANAGERS,
    # The team schedule: its managers; absences: every practitioner their own, withdrawn by
    # them or a manager of their team.
    f"POST {SCHEDULE}/slots": TEAM_A_MANAGERS,
    f"DELETE {SCHEDULE}/slots/{{slot_id}}": TEAM_A_MANAGERS,
    f"POST {SCHEDULE}/proposals": TEAM_A_MANAGERS,
    f"POST {SCHEDULE}/proposals/{{proposal_id}}/accept": TEAM_A_MANAGERS,
    "POST /supervision/absences": p.PRACTITIONERS,
    "DELETE /supervision/absences/{absence_id}": ABSENCE_AUDIENCE,
}
READERS: dict[str, frozenset[str]] = {
    "GET /supervision/calendar/feed": p.PRACTITIONERS,
    "GET /supervision/absences": p.PRACTITIONERS,
}
# The record's state each write needs (meetings are made afresh for every request).
HELD = frozenset({f"POST {RECORD}/finalise"})
FINAL = frozenset(
    {
        f"POST {RECORD}/amendments",
        "POST /supervision/cases/{case_id}/actions/{action_id}/amendments",
    }
)
# A capability URL: the secret in its path is its credential (tests/supervision).
CAPABILITY_PATH_PARAMETER = "secret"
