"""Cadence endpoints: team and case settings (managers change them) and the due lists."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Query

from services.auditing import Audit, audited
from services.auth import CurrentPrincipal
from services.errors import Forbidden, raises
from services.pagination import PageQuery
from services.projection import ProjectedCase
from services.routing import kit_router
from services.unit_of_work import DbSession
from supervision_api.cadence import service
from supervision_api.cadence.schemas import (
    CaseCadenceIn,
    CaseCadenceOut,
    DueList,
    TeamCadenceIn,
    TeamCadenceOut,
)
from supervision_api.cadence.service import DueFilter
from supervision_api.models import projection
from supervision_api.teams.dependencies import ManagedTeamDep

router = kit_router(tags=["cadence"])

VisibleCase = Annotated[ProjectedCase, Depends(projection.visible_case)]
Which = Annotated[
    DueFilter,
    Query(description="`attention` (the default): overdue and due soon; or one of them, or `all`"),
]


@router.get("/teams/{team_id}/cadence", summary="Read a team's GCS cadence")
async def get_team_cadence(team: ManagedTeamDep, session: DbSession) -> TeamCadenceOut:
    """The team's cadence (the defaults until its managers set one)."""
    return await service.get_team(session, team.id)


@router.put("/teams/{team_id}/cadence", summary="Set a team's GCS cadence")
@audited("update", "team_cadence")
async def put_team_cadence(
    body: TeamCadenceIn, team: ManagedTeamDep, session: DbSession
) -> TeamCadenceOut:
    """Replace the team's cadence; every case without its own setting follows it."""
    return await service.set_team(session, team.id, team.principal, body)


@router.get("/teams/{team_id}/due", summary="List a team's cases due or overdue a GCS")
@audited("list", "case_cadence", resource="")
async def list_team_due(
    team: ManagedTeamDep,
    session: DbSession,
    note: Audit,
    page: PageQuery,
    which: Which = "attention",
    practitioner_id: Annotated[
        UUID | None, Query(description="Only cases this practitioner is allocated to now")
    ] = None,
) -> DueList:
    """The team's open cases by due date, most overdue first, for one worker if asked; a page
    at a time (`limit`, and `cursor` from `next_cursor`)."""
    due = await service.due_list(
        session,
        team.principal,
        team_id=team.id,
        practitioner_id=practitioner_id,
        which=which,
        page=page,
    )
    note.details["count"] = len(due.items)
    return due


@router.get("/due", summary="List your cases due or overdue a GCS")
@audited("list", "case_cadence", resource="")
async def list_my_due(
    principal: CurrentPrincipal,
    session: DbSession,
    note: Audit,
    page: PageQuery,
    which: Which = "attention",
) -> DueList:
    """The open cases you are allocated to now, by due date, most overdue first; a page at a
    time (`limit`, and `cursor` from `next_cursor`)."""
    due = await service.due_list(
        session, principal, practitioner_id=principal.practitioner_id, which=which, page=page
    )
    note.details["count"] = len(due.items)
    return due


@router.get("/cases/{case_id}/cadence", summary="Read a case's GCS cadence and due date")
@audited("read", "case_cadence")
async def get_case_cadence(case: VisibleCase, session: DbSession) -> CaseCadenceOut:
    """The cadence in force for the case, what of it is its own, and when its next GCS is due."""
    return await service.case_view(session, case)


@router.put("/cases/{case_id}/cadence", summary="Set a case's own GCS cadence")
@audited("update", "case_cadence")
@raises(403)
async def put_case_cadence(
    body: CaseCadenceIn, case: VisibleCase, session: DbSession
) -> CaseCadenceOut:
    """Set the case's own interval or first-GCS timescale (its team's managers); null follows
    the team's."""
    if not case.manages:
        raise Forbidden("Only a manager of the team that owns this case sets its cadence.")
    return await service.set_case(session, case, body)
