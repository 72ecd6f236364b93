"""Proposing a team's GCS meetings, reading a proposal back, and accepting it.

Proposing gathers the team's question from the tables (`inputs.py`), asks the pure scheduler
(`supervision_api/scheduling/`) off the event loop, and stores the answer with the window it
covers. Accepting takes a lock on the team's schedule, re-checks the proposal (`recheck.py`:
409 `proposal-stale` with each conflict when it can no longer be booked as it stands), then
books each meeting through the meetings service, exactly as a manager booking by hand would:
invitees from the allocations, the booked event, calendar sequence 0. An accepted proposal
answers a second acceptance with the meetings it booked, booking nothing again.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import ProblemError
from services.working_days import local_date
from supervision_api.meetings import service as meetings
from supervision_api.meetings.schemas import MeetingBooking
from supervision_api.schedule import explain, recheck, repository
from supervision_api.schedule.inputs import gather
from supervision_api.schedule.models import ScheduleProposal
from supervision_api.schedule.schemas import ProposalContent, ProposalIn, ProposalOut
from supervision_api.scheduling import propose as solve
from supervision_api.teams.dependencies import ManagedTeam


def view(proposal: ScheduleProposal) -> ProposalOut:
    """A stored proposal as the API shows it, with the meetings it booked once accepted."""
    content = ProposalContent.model_validate(proposal.content)
    for meeting, meeting_id in zip(content.meetings, proposal.meeting_ids or [], strict=False):
        meeting.meeting_id = UUID(meeting_id)
    return ProposalOut(
        **content.model_dump(),
        id=proposal.id,
        team_id=proposal.team_id,
        chair_id=proposal.chair_id,
        first_day=proposal.first_day,
        last_day=proposal.last_day,
        status="accepted" if proposal.status == "accepted" else "proposed",
        created_by=proposal.created_by,
        created_at=proposal.created_at,
        accepted_by=proposal.accepted_by,
        accepted_at=proposal.accepted_at,
    )


async def propose(session: AsyncSession, team: ManagedTeam, body: ProposalIn) -> ProposalOut:
    """Propose the team's meetings from tomorrow for the next `horizon_weeks`, chaired by the
    caller, and store the proposal."""
    today = local_date(await transaction_now(session))
    first_day = today + timedelta(days=1)
    last_day = today + timedelta(weeks=body.horizon_weeks)
    chair_id = team.principal.practitioner_id
    inputs = await gather(
        session,
        team.principal,
        team_id=team.id,
        chair_id=chair_id,
        first_day=first_day,
        last_day=last_day,
    )
    # CP-SAT works for up to a second or so: off the event loop, so other requests go on.
    schedule = await asyncio.to_thread(solve, inputs.problem())
    names = await repository.display_names(session, inputs.attendees(list(inputs.due)))
    content = explain.content(schedule, inputs, names)
    proposal = ScheduleProposal(
        team_id=team.id,
        chair_id=chair_id,
        first_day=first_day,
        last_day=last_day,
        content=content.model_dump(mode="json"),
        status="proposed",
        created_by=chair_id,
    )
    session.add(proposal)
    await session.flush()
    await session.refresh(proposal)
    return view(proposal)


async def accept(session: AsyncSession, team: ManagedTeam, proposal_id: UUID) -> ProposalOut:
    """Book the proposal's meetings, once; 409 `proposal-stale` when it no longer holds."""
    await repository.lock_team_schedule(session, team.id)
    proposal = await repository.load_proposal(session, team.id, proposal_id, lock=True)
    if proposal is None:  # the dependency found it; only a concurrent delete could get here
        raise ProblemError(404, "not-found", "No such proposal.")
    if proposal.status == "accepted":
        return view(proposal)
    content = ProposalContent.model_validate(proposal.content)
    now = await transaction_now(session)
    inputs = await gather(
        session,
        team.principal,
        team_id=team.id,
        chair_id=proposal.chair_id,
        first_day=proposal.first_day,
        last_day=proposal.last_day,
    )
    found = await recheck.conflicts(session, content, inputs, now, team.principal.practitioner_id)
    if found:
        raise ProblemError(
            409,
            "proposal-stale",
            "Something changed since this proposal was made, so it cannot be booked as it "
            "stands: " + " ".join(found) + " Propose again.",
            conflicts=found,
        )
    booked: list[str] = []
    for meeting in content.meetings:
        made = await meetings.book(
            session,
            team.principal,
            MeetingBooking(
                team_id=team.id,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                place=meeting.place,
                chair_id=proposal.chair_id,
                case_ids=meeting.case_ids,
            ),
        )
        booked.append(str(made.id))
    proposal.status = "accepted"
    proposal.accepted_by = team.principal.practitioner_id
    proposal.accepted_at = now
    proposal.meeting_ids = booked
    await session.flush()
    return view(proposal)
