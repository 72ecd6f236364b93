"""Proposing a team's GCS meetings, listing and reading proposals back, and accepting one.

Proposing gathers the team's question from the tables (`inputs.py`) in the request's
transaction, ends that transaction, asks the pure scheduler (`supervision_api/scheduling/`) off
the event loop, and stores the answer with the window it covers in a short transaction of its
own: the solver may take seconds, and an open transaction would hold back every change feed of
this unit (they cannot pass the oldest open transaction) for as long. Nothing is lost by
reading before solving: accepting re-checks the proposal against the tables as they are then.
The chair is a manager of the team the proposer names, the proposer when none is named.

Accepting takes a lock on the team's schedule, re-checks the proposal (`recheck.py`: 409
`proposal-stale` with each conflict when it can no longer be booked as it stands), then books
each meeting through the meetings service, exactly as a manager booking by hand would:
invitees from the allocations, the booked event, calendar sequence 0. An accepted proposal
answers a second acceptance with the meetings it booked, booking nothing again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import date, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import ProblemError, invalid
from services.pagination import PageRequest
from services.working_days import local_date
from supervision_api.meetings import service as meetings
from supervision_api.meetings.schemas import MeetingBooking
from supervision_api.schedule import explain, recheck, repository
from supervision_api.schedule.inputs import gather
from supervision_api.schedule.models import ScheduleProposal
from supervision_api.schedule.schemas import (
    ProposalContent,
    ProposalCounts,
    ProposalIn,
    ProposalOut,
    ProposalPage,
    ProposalStatus,
    ProposalSummary,
)
from supervision_api.scheduling import propose as solve
from supervision_api.teams.dependencies import ManagedTeam

# Runs its block with the request's transaction ended (`UnitOfWork.outside_transaction`).
OutsideTransaction = Callable[[], AbstractAsyncContextManager[None]]


def _status(proposal: ScheduleProposal) -> ProposalStatus:
    return "accepted" if proposal.status == "accepted" else "proposed"


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
        status=_status(proposal),
        created_by=proposal.created_by,
        created_at=proposal.created_at,
        accepted_by=proposal.accepted_by,
        accepted_at=proposal.accepted_at,
    )


def summary(proposal: ScheduleProposal) -> ProposalSummary:
    """A stored proposal as the team's list shows it."""
    return ProposalSummary(
        id=proposal.id,
        team_id=proposal.team_id,
        chair_id=proposal.chair_id,
        first_day=proposal.first_day,
        last_day=proposal.last_day,
        status=_status(proposal),
        created_by=proposal.created_by,
        created_at=proposal.created_at,
        accepted_by=proposal.accepted_by,
        accepted_at=proposal.accepted_at,
        counts=ProposalCounts.model_validate(proposal.content["counts"]),
    )


async def listing(
    session: AsyncSession, team: ManagedTeam, page: PageRequest, status: ProposalStatus | None
) -> ProposalPage:
    """The team's proposals, newest first, a keyset page at a time."""
    rows = await repository.proposals_page(session, team.id, page, status)
    items, cursor = repository.PROPOSALS_NEWEST_FIRST.page(
        rows, page, lambda row: (row.created_at, row.id)
    )
    return ProposalPage(items=[summary(row) for row in items], next_cursor=cursor)


async def _chair(session: AsyncSession, team: ManagedTeam, named: UUID | None, today: date) -> UUID:
    """Who chairs: the proposer, or the manager of the team they name (422 for anyone else)."""
    proposer = team.principal.practitioner_id
    if named is None or named == proposer:
        return proposer
    if not await repository.manages_team(session, named, team.id, today):
        raise invalid(
            "body",
            "chair_id",
            message="The chair must be a manager of the team.",
            code="not_a_manager",
        )
    return named


async def propose(
    session: AsyncSession,
    team: ManagedTeam,
    body: ProposalIn,
    outside_transaction: OutsideTransaction,
) -> ProposalOut:
    """Propose the team's meetings from tomorrow for the next `horizon_weeks`, chaired by the
    manager named (the caller by default), and store the proposal."""
    today = local_date(await transaction_now(session))
    first_day = today + timedelta(days=1)
    last_day = today + timedelta(weeks=body.horizon_weeks)
    chair_id = await _chair(session, team, body.chair_id, today)
    inputs = await gather(
        session,
        team.principal,
        team_id=team.id,
        chair_id=chair_id,
        first_day=first_day,
        last_day=last_day,
    )
    names = await repository.display_names(session, inputs.attendees(list(inputs.due)))
    problem = inputs.problem()
    # CP-SAT works for up to a second or more: off the event loop, so other requests go on,
    # and with no transaction open, so this unit's change feeds go on too.
    async with outside_transaction():
        schedule = await asyncio.to_thread(solve, problem)
    content = explain.content(schedule, inputs, names)
    proposal = ScheduleProposal(
        team_id=team.id,
        chair_id=chair_id,
        first_day=first_day,
        last_day=last_day,
        content=content.model_dump(mode="json"),
        status="proposed",
        created_by=team.principal.practitioner_id,
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
    found = await recheck.conflicts(
        session,
        content,
        inputs,
        now,
        team.principal.practitioner_id,
        chair_named=proposal.chair_id != proposal.created_by,
    )
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
