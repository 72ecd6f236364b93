"""HTTP endpoints for break-glass access and its oversight by team managers."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from services.app import route_responses
from services.auth import CurrentPrincipal
from services.db import DbSession
from services.pagination import Page, page_params, split_page
from workbook_api.access import break_glass
from workbook_api.access.models import BreakGlassGrant
from workbook_api.access.schemas import BreakGlassGrantRead, BreakGlassRequest
from workbook_api.access.visibility import load_case_or_404
from workbook_api.audit_purpose import AccessPurpose, audited
from workbook_api.cases.models import Case
from workbook_api.cases.service import db_now
from workbook_api.listing import aware_datetime, cursor_key, uuid_value
from workbook_api.settings import settings_from

router = APIRouter(tags=["break-glass"])

PageParams = Annotated[tuple[int, str | None], Depends(page_params)]


def grant_read(grant: BreakGlassGrant, case: Case, *, active: bool) -> BreakGlassGrantRead:
    """Render a grant with the team that owns its case."""
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
        active=active,
    )


# Declared before /cases/{case_id} routes are included, so "break-glass" is not taken for an id.
@router.get("/cases/break-glass", status_code=200, responses=route_responses(400, 401, 403, 422))
async def list_break_glass_grants(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
    page: PageParams,
    team_id: Annotated[UUID | None, Query(description="One of your teams; default all")] = None,
    active_only: Annotated[bool, Query()] = False,
) -> Page[BreakGlassGrantRead]:
    """List break-glass use on the cases of the teams the caller manages, newest first."""
    limit, cursor = page
    after = cursor_key(cursor, aware_datetime, uuid_value)
    with audited(
        request, action="list", resource_type="break_glass_grant", purpose=purpose
    ) as note:
        if team_id is not None:
            note.details["team_id"] = str(team_id)
        rows = await break_glass.list_grants(
            session, principal, team_id=team_id, active_only=active_only, limit=limit, after=after
        )
        items, next_cursor = split_page(
            rows, limit, lambda row: (row[0].granted_at.isoformat(), row[0].id)
        )
        note.details["count"] = len(items)
        now = await db_now(session)
    return Page[BreakGlassGrantRead](
        items=[
            grant_read(g, c, active=g.revoked_at is None and g.expires_at > now) for g, c in items
        ],
        next_cursor=next_cursor,
    )


@router.post(
    "/cases/{case_id}/break-glass",
    status_code=201,
    responses=route_responses(401, 403, 404, 422),
)
async def create_break_glass_grant(
    case_id: UUID,
    body: BreakGlassRequest,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> BreakGlassGrantRead:
    """Open a case you are not allocated to, for a limited time, with a written reason."""
    with audited(
        request,
        action="break_glass",
        resource_type="case",
        resource_id=case_id,
        case_id=case_id,
        purpose=purpose,
    ) as note:
        grant, case = await break_glass.grant_break_glass(
            session,
            principal,
            case_id,
            justification=body.justification,
            duration_minutes=body.duration_minutes,
            settings=settings_from(request),
        )
        note.details.update(
            grant_id=str(grant.id),
            expires_at=grant.expires_at.isoformat(),
            duration_minutes=body.duration_minutes,
        )
    response.headers["Location"] = f"/cases/{case_id}"
    return grant_read(grant, case, active=True)


@router.post(
    "/cases/{case_id}/break-glass/{grant_id}/revoke",
    status_code=200,
    responses=route_responses(401, 403, 404, 409, 422),
)
async def revoke_break_glass_grant(
    case_id: UUID,
    grant_id: UUID,
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> BreakGlassGrantRead:
    """End a break-glass grant on a case of your team before it expires."""
    with audited(
        request,
        action="revoke",
        resource_type="break_glass_grant",
        resource_id=grant_id,
        case_id=case_id,
        purpose=purpose,
    ):
        case = await load_case_or_404(session, principal, case_id)
        grant = await break_glass.revoke_grant(session, principal, case, grant_id)
    return grant_read(grant, case, active=False)
