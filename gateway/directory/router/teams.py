"""Teams: listed and read by those who may see them, changed by administrators."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from gateway.directory import service
from gateway.directory.dependencies import Administrator, Principals, ReaderScope, name_cursor
from gateway.directory.router.views import (
    PageParams,
    audit_change,
    team_view,
)
from gateway.directory.schemas import (
    TeamCreate,
    TeamRead,
    TeamUpdate,
)
from gateway.directory.service import DirectoryScope
from services.app import route_responses
from services.concurrency import require_if_match
from services.pagination import Page, split_page
from services.routing import KitRoute
from services.unit_of_work import DbSession

router = APIRouter(prefix="/directory", tags=["directory"], route_class=KitRoute)


@router.get(
    "/teams",
    status_code=status.HTTP_200_OK,
    responses=route_responses(400, 401, 403),
    summary="List teams",
)
async def list_teams(
    scope: ReaderScope,
    session: DbSession,
    page: PageParams,
    active: Annotated[bool | None, Query(description="Only active or inactive teams")] = None,
) -> Page[TeamRead]:
    """List the teams you may see, by name."""
    limit, cursor = page
    rows = await service.list_teams(
        session, scope, limit=limit, after=name_cursor(cursor), active=active
    )
    items, next_cursor = split_page(rows, limit, lambda team: (team.name, team.id))
    return Page(
        items=[TeamRead.model_validate(t, from_attributes=True) for t in items],
        next_cursor=next_cursor,
    )


@router.post(
    "/teams",
    status_code=status.HTTP_201_CREATED,
    responses=route_responses(401, 403, 409, 422),
    summary="Create a team",
)
async def create_team(
    body: TeamCreate,
    admin: Administrator,
    session: DbSession,
    request: Request,
    response: Response,
) -> TeamRead:
    """Create a team (send Idempotency-Key to retry safely)."""
    team = await service.create_team(session, body)
    audit_change(request, "created", "team", team.id, fields=["name", "code"])
    response.headers["Location"] = f"/directory/teams/{team.id}"
    return team_view(team, response)


@router.get(
    "/teams/{team_id}",
    status_code=status.HTTP_200_OK,
    responses=route_responses(401, 403, 404),
    summary="Read a team",
)
async def get_team(
    team_id: UUID, scope: ReaderScope, session: DbSession, response: Response
) -> TeamRead:
    """Read a team you may see."""
    return team_view(await service.get_team(session, scope, team_id), response)


@router.patch(
    "/teams/{team_id}",
    status_code=status.HTTP_200_OK,
    responses=route_responses(401, 403, 404, 409, 412, 422, 428),
    summary="Change a team",
)
async def update_team(
    team_id: UUID,
    body: TeamUpdate,
    admin: Administrator,
    session: DbSession,
    principals: Principals,
    request: Request,
    response: Response,
) -> TeamRead:
    """Change a team; send If-Match with the ETag you read."""
    team = await service.get_team(session, DirectoryScope.everything(), team_id)
    require_if_match(request, team.id, team.version)
    changed = await service.update_team(session, team, body.model_dump(exclude_unset=True))
    if changed:
        audit_change(request, "updated", "team", team.id, fields=changed, active=team.active)
        if "active" in changed:
            # Every member's teams change: drop this replica's whole cache.
            principals.forget_all()
    return team_view(team, response)
