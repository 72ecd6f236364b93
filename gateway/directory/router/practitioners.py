"""Practitioners: listed and read by those who may see them; added, changed, deactivated
and reactivated by administrators."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from gateway.directory import service
from gateway.directory.dependencies import Administrator, Principals, ReaderScope, name_cursor
from gateway.directory.router.views import (
    PageParams,
    audit_change,
    practitioner_read,
    practitioner_view,
)
from gateway.directory.schemas import (
    PractitionerCreate,
    PractitionerRead,
    PractitionerUpdate,
)
from gateway.directory.service import DirectoryScope, london_today
from services.app import route_responses
from services.concurrency import require_if_match
from services.pagination import Page, split_page
from services.principal import Principal
from services.routing import KitRoute
from services.unit_of_work import DbSession

router = APIRouter(prefix="/directory", tags=["directory"], route_class=KitRoute)


@router.get(
    "/practitioners",
    status_code=status.HTTP_200_OK,
    responses=route_responses(400, 401, 403),
    summary="List practitioners",
)
async def list_practitioners(
    scope: ReaderScope,
    session: DbSession,
    page: PageParams,
    team_id: Annotated[UUID | None, Query(description="Only current members of this team")] = None,
    active: Annotated[bool | None, Query(description="Only active or inactive people")] = None,
) -> Page[PractitionerRead]:
    """List the practitioners you may see, by name."""
    limit, cursor = page
    rows = await service.list_practitioners(
        session,
        scope,
        limit=limit,
        after=name_cursor(cursor),
        team_id=team_id,
        active=active,
        today=london_today(),
    )
    items, next_cursor = split_page(rows, limit, lambda p: (p.display_name, p.id))
    return Page(items=[practitioner_read(p) for p in items], next_cursor=next_cursor)


@router.post(
    "/practitioners",
    status_code=status.HTTP_201_CREATED,
    responses=route_responses(401, 403, 409, 422),
    summary="Add a practitioner",
)
async def create_practitioner(
    body: PractitionerCreate,
    admin: Administrator,
    session: DbSession,
    principals: Principals,
    request: Request,
    response: Response,
) -> PractitionerRead:
    """Register a practitioner (send Idempotency-Key to retry safely)."""
    practitioner = await service.create_practitioner(session, body)
    audit_change(
        request,
        "created",
        "practitioner",
        practitioner.id,
        discipline=practitioner.discipline_code,
        roles=sorted(practitioner.roles),
    )
    principals.forget(practitioner.subject)
    response.headers["Location"] = f"/directory/practitioners/{practitioner.id}"
    return practitioner_view(practitioner, response)


@router.get(
    "/practitioners/{practitioner_id}",
    status_code=status.HTTP_200_OK,
    responses=route_responses(401, 403, 404),
    summary="Read a practitioner",
)
async def get_practitioner(
    practitioner_id: UUID, scope: ReaderScope, session: DbSession, response: Response
) -> PractitionerRead:
    """Read a practitioner you may see."""
    practitioner = await service.get_practitioner(session, scope, practitioner_id, london_today())
    return practitioner_view(practitioner, response)


@router.patch(
    "/practitioners/{practitioner_id}",
    status_code=status.HTTP_200_OK,
    responses=route_responses(401, 403, 404, 409, 412, 422, 428),
    summary="Change a practitioner",
)
async def update_practitioner(
    practitioner_id: UUID,
    body: PractitionerUpdate,
    admin: Administrator,
    session: DbSession,
    principals: Principals,
    request: Request,
    response: Response,
) -> PractitionerRead:
    """Change a practitioner's name, email, discipline or roles; send If-Match."""
    practitioner = await service.get_practitioner(
        session, DirectoryScope.everything(), practitioner_id, london_today()
    )
    require_if_match(request, practitioner.id, practitioner.version)
    changed = await service.update_practitioner(
        session, practitioner, body.model_dump(exclude_unset=True)
    )
    if changed:
        details: dict[str, Any] = {"fields": changed}
        if "roles" in changed:
            details["roles"] = sorted(practitioner.roles)
        if "discipline" in changed:
            details["discipline"] = practitioner.discipline_code
        audit_change(request, "updated", "practitioner", practitioner.id, **details)
        principals.forget(practitioner.subject)
    return practitioner_view(practitioner, response)


async def _set_active(
    practitioner_id: UUID,
    active: bool,
    admin: Principal,
    session: DbSession,
    principals: Principals,
    request: Request,
    response: Response,
) -> PractitionerRead:
    practitioner = await service.get_practitioner(
        session, DirectoryScope.everything(), practitioner_id, london_today()
    )
    if "if-match" in request.headers:
        require_if_match(request, practitioner.id, practitioner.version)
    if await service.set_practitioner_active(
        session, practitioner, active, actor_id=admin.practitioner_id
    ):
        action = "activated" if active else "deactivated"
        audit_change(request, action, "practitioner", practitioner.id)
        principals.forget(practitioner.subject)
    return practitioner_view(practitioner, response)


@router.post(
    "/practitioners/{practitioner_id}/deactivate",
    status_code=status.HTTP_200_OK,
    responses=route_responses(401, 403, 404, 409, 412),
    summary="Deactivate a practitioner",
)
async def deactivate_practitioner(
    practitioner_id: UUID,
    admin: Administrator,
    session: DbSession,
    principals: Principals,
    request: Request,
    response: Response,
) -> PractitionerRead:
    """Stop a practitioner signing in (records kept); not yourself, nor the last administrator."""
    return await _set_active(practitioner_id, False, admin, session, principals, request, response)


@router.post(
    "/practitioners/{practitioner_id}/activate",
    status_code=status.HTTP_200_OK,
    responses=route_responses(401, 403, 404, 412),
    summary="Reactivate a practitioner",
)
async def activate_practitioner(
    practitioner_id: UUID,
    admin: Administrator,
    session: DbSession,
    principals: Principals,
    request: Request,
    response: Response,
) -> PractitionerRead:
    """Let a deactivated practitioner sign in again."""
    return await _set_active(practitioner_id, True, admin, session, principals, request, response)
