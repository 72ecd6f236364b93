"""HTTP endpoints of the practitioner directory, and /me."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status

from gateway.directory import service
from gateway.directory.dependencies import (
    Administrator,
    Principals,
    ReaderScope,
    name_cursor,
)
from gateway.directory.models import Practitioner, Team, TeamMembership
from gateway.directory.schemas import (
    DisciplineRead,
    MembershipCreate,
    MembershipEnd,
    MembershipRead,
    MeRead,
    PractitionerCreate,
    PractitionerRead,
    PractitionerUpdate,
    TeamCreate,
    TeamRead,
    TeamRef,
    TeamUpdate,
)
from gateway.directory.service import DirectoryScope, london_today
from services.app import route_responses
from services.audit import AuditEvent
from services.auditing import audit
from services.auth import CurrentPrincipal
from services.concurrency import require_if_match, set_etag
from services.pagination import Page, page_params, split_page
from services.principal import Principal
from services.routing import KitRoute
from services.unit_of_work import DbSession

PURPOSE = "directory administration"

router = APIRouter(prefix="/directory", tags=["directory"], route_class=KitRoute)
me_router = APIRouter(tags=["me"], route_class=KitRoute)

PageParams = Annotated[tuple[int, str | None], Depends(page_params)]


def _audit(
    request: Request, action: str, resource_type: str, resource_id: UUID, **details: Any
) -> None:
    audit(
        request,
        AuditEvent(
            action=f"directory.{resource_type}.{action}",
            resource_type=resource_type,
            resource_id=str(resource_id),
            case_id=None,
            purpose=PURPOSE,
            details=details,
        ),
    )


def _team(team: Team, response: Response) -> TeamRead:
    set_etag(response, team.id, team.version)
    return TeamRead.model_validate(team, from_attributes=True)


def _practitioner(practitioner: Practitioner, response: Response) -> PractitionerRead:
    set_etag(response, practitioner.id, practitioner.version)
    return _practitioner_read(practitioner)


def _practitioner_read(practitioner: Practitioner) -> PractitionerRead:
    return PractitionerRead(
        id=practitioner.id,
        subject=practitioner.subject,
        display_name=practitioner.display_name,
        email=practitioner.email,
        discipline=practitioner.discipline_code,
        roles=sorted(practitioner.roles),
        active=practitioner.active,
        created_at=practitioner.created_at,
        updated_at=practitioner.updated_at,
    )


def _membership(membership: TeamMembership, team_name: str) -> MembershipRead:
    today = london_today()
    current = (membership.valid_from is None or membership.valid_from <= today) and (
        membership.valid_to is None or membership.valid_to > today
    )
    return MembershipRead(
        id=membership.id,
        practitioner_id=membership.practitioner_id,
        team_id=membership.team_id,
        team_name=team_name,
        role_in_team=membership.role_in_team,
        valid_from=membership.valid_from,
        valid_to=membership.valid_to,
        current=current,
        created_at=membership.created_at,
    )


# --- /me -----------------------------------------------------------------------------------


@me_router.get(
    "/me", status_code=status.HTTP_200_OK, responses=route_responses(401, 403), summary="Who am I"
)
async def get_me(principal: CurrentPrincipal, session: DbSession) -> MeRead:
    """Return the signed-in practitioner as the directory resolves them."""
    teams = await service.teams_of(session, principal.practitioner_id, london_today())
    return MeRead(
        subject=principal.subject,
        practitioner_id=principal.practitioner_id,
        display_name=principal.display_name,
        discipline=principal.discipline,
        roles=sorted(principal.roles),
        team_ids=sorted(principal.team_ids),
        managed_team_ids=sorted(principal.managed_team_ids),
        teams=[TeamRef(id=t.id, name=t.name, code=t.code, role_in_team=r) for t, r in teams],
    )


# --- disciplines ---------------------------------------------------------------------------


@router.get(
    "/disciplines",
    status_code=status.HTTP_200_OK,
    responses=route_responses(401, 403),
    summary="List disciplines",
)
async def list_disciplines(principal: CurrentPrincipal, session: DbSession) -> list[DisciplineRead]:
    """List the disciplines practitioners can hold (reference data, for any practitioner)."""
    rows = await service.list_disciplines(session)
    return [DisciplineRead.model_validate(row, from_attributes=True) for row in rows]


# --- teams ---------------------------------------------------------------------------------


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
    _audit(request, "created", "team", team.id, fields=["name", "code"])
    response.headers["Location"] = f"/directory/teams/{team.id}"
    return _team(team, response)


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
    return _team(await service.get_team(session, scope, team_id), response)


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
        _audit(request, "updated", "team", team.id, fields=changed, active=team.active)
        if "active" in changed:
            # Every member's teams change: drop this replica's whole cache.
            principals.forget_all()
    return _team(team, response)


# --- practitioners -------------------------------------------------------------------------


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
    return Page(items=[_practitioner_read(p) for p in items], next_cursor=next_cursor)


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
    _audit(
        request,
        "created",
        "practitioner",
        practitioner.id,
        discipline=practitioner.discipline_code,
        roles=sorted(practitioner.roles),
    )
    principals.forget(practitioner.subject)
    response.headers["Location"] = f"/directory/practitioners/{practitioner.id}"
    return _practitioner(practitioner, response)


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
    return _practitioner(practitioner, response)


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
        _audit(request, "updated", "practitioner", practitioner.id, **details)
        principals.forget(practitioner.subject)
    return _practitioner(practitioner, response)


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
        _audit(request, "activated" if active else "deactivated", "practitioner", practitioner.id)
        principals.forget(practitioner.subject)
    return _practitioner(practitioner, response)


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


# --- memberships ---------------------------------------------------------------------------


@router.get(
    "/practitioners/{practitioner_id}/memberships",
    status_code=status.HTTP_200_OK,
    responses=route_responses(401, 403, 404),
    summary="List a practitioner's team memberships",
)
async def list_memberships(
    practitioner_id: UUID, scope: ReaderScope, session: DbSession
) -> Page[MembershipRead]:
    """List a practitioner's team memberships, newest first (all of them, in one page)."""
    await service.get_practitioner(session, scope, practitioner_id, london_today())
    rows = await service.list_memberships(session, scope, practitioner_id)
    return Page(items=[_membership(m, name) for m, name in rows], next_cursor=None)


@router.post(
    "/practitioners/{practitioner_id}/memberships",
    status_code=status.HTTP_201_CREATED,
    responses=route_responses(401, 403, 404, 409, 422),
    summary="Add a team membership",
)
async def create_membership(
    practitioner_id: UUID,
    body: MembershipCreate,
    admin: Administrator,
    session: DbSession,
    principals: Principals,
    request: Request,
    response: Response,
) -> MembershipRead:
    """Put a practitioner in a team as member or manager."""
    practitioner = await service.get_practitioner(
        session, DirectoryScope.everything(), practitioner_id, london_today()
    )
    membership, team = await service.add_membership(session, practitioner, body)
    _audit(
        request,
        "created",
        "membership",
        membership.id,
        practitioner_id=practitioner.id,
        team_id=team.id,
        role_in_team=membership.role_in_team,
    )
    principals.forget(practitioner.subject)
    response.headers["Location"] = (
        f"/directory/practitioners/{practitioner.id}/memberships/{membership.id}"
    )
    return _membership(membership, team.name)


@router.post(
    "/practitioners/{practitioner_id}/memberships/{membership_id}/end",
    status_code=status.HTTP_200_OK,
    responses=route_responses(401, 403, 404, 409, 422),
    summary="End a team membership",
)
async def end_membership(
    practitioner_id: UUID,
    membership_id: UUID,
    body: MembershipEnd,
    admin: Administrator,
    session: DbSession,
    principals: Principals,
    request: Request,
) -> MembershipRead:
    """End a membership (today when no date is given); it stays in the history."""
    practitioner = await service.get_practitioner(
        session, DirectoryScope.everything(), practitioner_id, london_today()
    )
    valid_to = body.valid_to or london_today()
    membership, team_name = await service.end_membership(
        session, practitioner.id, membership_id, valid_to
    )
    _audit(
        request,
        "ended",
        "membership",
        membership.id,
        practitioner_id=practitioner.id,
        team_id=membership.team_id,
        valid_to=valid_to.isoformat(),
    )
    principals.forget(practitioner.subject)
    return _membership(membership, team_name)
