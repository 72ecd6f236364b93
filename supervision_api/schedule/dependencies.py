"""Load-or-404 dependencies for a team's slot or proposal, and for an absence.

Slots and proposals are the team's managers' (`ManagedTeamDep` first: 403 for anyone who
manages no team, 404 for a team they do not manage), and one of another team is a 404. An
absence exists for the practitioner it is about, whoever recorded it, and the managers of a
team the practitioner belongs to; for anyone else it does not exist. Only practitioners and
managers (the people meetings invite) have absences at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Path

from services.auth import require_any_role
from services.clock import transaction_now
from services.errors import NotFound, raises
from services.principal import Principal
from services.unit_of_work import DbSession
from services.working_days import local_date
from supervision_api.schedule import repository
from supervision_api.schedule.models import Absence, MeetingSlot, ScheduleProposal
from supervision_api.teams.dependencies import ManagedTeam, ManagedTeamDep

SlotId = Annotated[UUID, Path(description="The slot")]
ProposalId = Annotated[UUID, Path(description="The proposal")]
AbsenceId = Annotated[UUID, Path(description="The absence")]
# Absences are for the people GCS meetings invite: practitioners and their managers.
Invitee = Annotated[Principal, Depends(require_any_role("practitioner", "team_manager"))]


@dataclass(frozen=True)
class TeamSlot:
    """A slot of a team the caller manages."""

    slot: MeetingSlot
    team: ManagedTeam


@dataclass(frozen=True)
class TeamProposal:
    """A proposal of a team the caller manages."""

    proposal: ScheduleProposal
    team: ManagedTeam


@dataclass(frozen=True)
class AbsenceAccess:
    """An absence the caller may see and withdraw."""

    absence: Absence
    principal: Principal


@raises(404)
async def team_slot(slot_id: SlotId, team: ManagedTeamDep, session: DbSession) -> TeamSlot:
    """One of the team's slots, locked for a change."""
    slot = await repository.load_slot(session, team.id, slot_id)
    if slot is None:
        raise NotFound("slot")
    return TeamSlot(slot, team)


@raises(404)
async def team_proposal(
    proposal_id: ProposalId, team: ManagedTeamDep, session: DbSession
) -> TeamProposal:
    """One of the team's proposals."""
    proposal = await repository.load_proposal(session, team.id, proposal_id)
    if proposal is None:
        raise NotFound("proposal")
    return TeamProposal(proposal, team)


@raises(404)
async def own_or_managed_absence(
    absence_id: AbsenceId, principal: Invitee, session: DbSession
) -> AbsenceAccess:
    """An absence of the caller, recorded by them, or of a member of a team they manage."""
    absence = await repository.load_absence(session, absence_id)
    if absence is None:
        raise NotFound("absence")
    mine = principal.practitioner_id in (absence.practitioner_id, absence.recorded_by)
    if not mine:
        today = local_date(await transaction_now(session))
        if not await repository.is_member(
            session, absence.practitioner_id, principal.managed_team_ids, today
        ):
            raise NotFound("absence")
    return AbsenceAccess(absence, principal)


TeamSlotDep = Annotated[TeamSlot, Depends(team_slot)]
TeamProposalDep = Annotated[TeamProposal, Depends(team_proposal)]
AbsenceDep = Annotated[AbsenceAccess, Depends(own_or_managed_absence)]
