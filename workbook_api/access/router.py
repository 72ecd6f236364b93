"""HTTP endpoints for break-glass access and its oversight by team managers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Path, Query, Response

from services.auditing import Audit, audited
from services.auth import CurrentPrincipal
from services.errors import raises
from services.pagination import Page, PageQuery
from services.routing import kit_router
from services.unit_of_work import DbSession
from workbook_api.access import service
from workbook_api.access.dependencies import CaseId, OverseenCase
from workbook_api.access.models import BreakGlassGrant
from workbook_api.access.schemas import BreakGlassGrantRead, BreakGlassRequest
from workbook_api.cases.models import Case
from workbook_api.settings import WorkbookSettingsDep

router = kit_router(tags=["break-glass"])
GrantId = Annotated[UUID, Path(description="The break-glass grant")]


def grant_read(grant: BreakGlassGrant, case: Case, now: datetime) -> BreakGlassGrantRead:
    """A grant with the team that owns its case, and whether it is in force."""
    return BreakGlassGrantRead(
        id=grant.id,
        case_id=grant.case_id,
        owning_team_id=case.owning_team_id,
        practitioner_id=grant.practitioner_id,
        practitioner_name=grant.practitioner_name,
        discipline=grant.discipline,
        justification=grant.justification,
        granted_at=grant.granted_at,
        expires_at=grant.expires_at,
        revoked_at=grant.revoked_at,
        revoked_by_practitioner_id=grant.revoked_by_practitioner_id,
        active=grant.revoked_at is None and grant.expires_at > now,
    )


# Declared before /cases/{case_id} routes are included, so "break-glass" is not taken for an id.
@router.get("/cases/break-glass", summary="List break-glass use")
@audited("list", "break_glass_grant", resource="")
@raises(403)
async def list_break_glass_grants(
    session: DbSession,
    principal: CurrentPrincipal,
    page: PageQuery,
    note: Audit,
    team_id: Annotated[UUID | None, Query(description="One of your teams; default all")] = None,
    active_only: Annotated[bool, Query()] = False,
) -> Page[BreakGlassGrantRead]:
    """List break-glass use on the cases of the teams the caller manages, newest first."""
    if team_id is not None:
        note.details["team_id"] = str(team_id)
    rows, next_cursor, now = await service.list_grants(
        session, principal, page, team_id=team_id, active_only=active_only
    )
    note.details["count"] = len(rows)
    return Page[BreakGlassGrantRead](
        items=[grant_read(grant, case, now) for grant, case in rows], next_cursor=next_cursor
    )


@router.post("/cases/{case_id}/break-glass", status_code=201, summary="Break glass on a case")
@audited("break_glass", "case", resource="case_id")
@raises(403, 404)
async def create_break_glass_grant(
    case_id: CaseId,
    body: BreakGlassRequest,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    settings: WorkbookSettingsDep,
    note: Audit,
) -> BreakGlassGrantRead:
    """Open a case you are not allocated to, for a limited time, with a written reason."""
    grant, case = await service.grant_break_glass(
        session,
        principal,
        case_id,
        justification=body.justification,
        duration_minutes=body.duration_minutes,
        settings=settings,
    )
    note.details.update(
        grant_id=str(grant.id),
        expires_at=grant.expires_at.isoformat(),
        duration_minutes=body.duration_minutes,
    )
    response.headers["Location"] = f"/cases/{case_id}"
    return grant_read(grant, case, grant.granted_at)


@router.post("/cases/{case_id}/break-glass/{grant_id}/revoke", summary="Revoke a break-glass grant")
@audited("revoke", "break_glass_grant")
@raises(409)
async def revoke_break_glass_grant(
    grant_id: GrantId, access: OverseenCase, session: DbSession
) -> BreakGlassGrantRead:
    """End a break-glass grant on a case of your team before it expires."""
    grant = await service.revoke_grant(session, access, grant_id)
    return grant_read(grant, access.case, access.now)
