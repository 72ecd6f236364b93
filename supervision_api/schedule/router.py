"""The team schedule endpoints: slots, absences, proposals and accepting one."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from services.auditing import Audit, audited
from services.errors import raises
from services.pagination import PageQuery
from services.responses import created
from services.routing import kit_router
from services.unit_of_work import DbSession, Work
from supervision_api.schedule import proposals, service
from supervision_api.schedule.dependencies import (
    AbsenceDep,
    Invitee,
    TeamProposalDep,
    TeamSlotDep,
)
from supervision_api.schedule.schemas import (
    MAX_HORIZON_WEEKS,
    AbsenceIn,
    AbsenceList,
    AbsenceOut,
    ProposalIn,
    ProposalOut,
    ProposalPage,
    ProposalStatus,
    SlotIn,
    SlotOut,
    TeamSchedule,
)
from supervision_api.teams.dependencies import ManagedTeamDep

router = kit_router(tags=["schedule"])

SCHEDULE = "/teams/{team_id}/schedule"


@router.get(SCHEDULE, summary="Read a team's GCS schedule")
async def get_team_schedule(
    team: ManagedTeamDep,
    session: DbSession,
    weeks: Annotated[int, Query(ge=1, le=MAX_HORIZON_WEEKS, description="How far ahead")] = 4,
) -> TeamSchedule:
    """The team's recurring slots, their sessions on working days from today, and its
    members' absences in that window."""
    return await service.team_schedule(session, team, weeks)


@router.post(f"{SCHEDULE}/slots", status_code=201, summary="Add a recurring GCS slot")
@audited("create", "meeting_slot", resource="")
async def add_meeting_slot(
    body: SlotIn, team: ManagedTeamDep, session: DbSession, response: Response, note: Audit
) -> SlotOut:
    """A weekday, a local start time and length, a place and how many cases a session takes."""
    slot = await service.add_slot(session, team, body)
    note.resource_id = str(slot.id)
    created(response, f"/teams/{team.id}/schedule/slots/{slot.id}", slot.id, None)
    return service.slot_view(slot)


@router.delete(f"{SCHEDULE}/slots/{{slot_id}}", status_code=204, summary="Remove a GCS slot")
@audited("delete", "meeting_slot")
async def remove_meeting_slot(slot: TeamSlotDep, session: DbSession) -> None:
    """Stop offering the slot; meetings already booked in it stay booked."""
    await service.remove_slot(session, slot)


@router.post("/absences", status_code=201, summary="Record an absence")
@audited("create", "absence", resource="")
@raises(403)
async def record_absence(
    body: AbsenceIn,
    principal: Invitee,
    session: DbSession,
    response: Response,
    note: Audit,
) -> AbsenceOut:
    """Days you are away (a manager may record them for a member of their team); no reason
    is asked. GCS proposals keep everyone's absences free."""
    absence = await service.record_absence(session, principal, body)
    note.resource_id = str(absence.id)
    created(response, f"/absences/{absence.id}", absence.id, None)
    return service.absence_view(absence)


@router.get("/absences", summary="List your absences")
async def list_my_absences(principal: Invitee, session: DbSession) -> AbsenceList:
    """Your absences from today on, earliest first."""
    return await service.my_absences(session, principal)


@router.delete("/absences/{absence_id}", status_code=204, summary="Withdraw an absence")
@audited("delete", "absence")
async def withdraw_absence(access: AbsenceDep, session: DbSession) -> None:
    """Withdraw your absence (or, as their manager, a team member's)."""
    await service.withdraw_absence(session, access)


@router.post(f"{SCHEDULE}/proposals", status_code=201, summary="Propose a team's GCS meetings")
@audited("create", "schedule_proposal", resource="")
async def propose_schedule(
    body: ProposalIn,
    team: ManagedTeamDep,
    session: DbSession,
    work: Work,
    response: Response,
    note: Audit,
) -> ProposalOut:
    """Meetings for the next weeks (from tomorrow) placing every due case it can before its
    due date, chaired by you or the manager of the team you name (422 for anyone else); each
    case it cannot place on time comes back with the reasons (who is away or booked, on which
    day; a full session; no session before the due date)."""
    proposal = await proposals.propose(session, team, body, work.outside_transaction)
    note.resource_id = str(proposal.id)
    note.details["cases"] = proposal.counts.due_cases
    created(response, f"/teams/{team.id}/schedule/proposals/{proposal.id}", proposal.id, None)
    return proposal


@router.get(f"{SCHEDULE}/proposals", summary="List a team's GCS schedule proposals")
@audited("list", "schedule_proposal", resource="")
async def list_schedule_proposals(
    team: ManagedTeamDep,
    session: DbSession,
    note: Audit,
    page: PageQuery,
    status: Annotated[
        ProposalStatus | None, Query(description="Only proposals in this state")
    ] = None,
) -> ProposalPage:
    """The team's proposals, newest first, each with its state and counts (read one for its
    meetings); a page at a time (`limit`, and `cursor` from `next_cursor`)."""
    found = await proposals.listing(session, team, page, status)
    note.details["count"] = len(found.items)
    return found


@router.get(f"{SCHEDULE}/proposals/{{proposal_id}}", summary="Read a GCS schedule proposal")
@audited("read", "schedule_proposal")
async def get_schedule_proposal(proposal: TeamProposalDep) -> ProposalOut:
    """The proposal as it was made, and the meetings it booked once accepted."""
    return proposals.view(proposal.proposal)


@router.post(
    f"{SCHEDULE}/proposals/{{proposal_id}}/accept", summary="Accept a GCS schedule proposal"
)
@audited("accept", "schedule_proposal")
@raises(409)
async def accept_schedule_proposal(
    proposal: TeamProposalDep, session: DbSession, note: Audit
) -> ProposalOut:
    """Book the proposal's meetings as if booked by hand (invitees from the allocations,
    calendars updated). Accepting again books nothing more. 409 `proposal-stale`, naming each
    conflict, when something changed that the proposed meetings depend on: propose again."""
    accepted = await proposals.accept(session, proposal.team, proposal.proposal.id)
    note.details["meetings"] = len(accepted.meetings)
    return accepted
