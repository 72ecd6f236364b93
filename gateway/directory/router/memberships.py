"""A practitioner's team memberships, kept as history: added and ended by administrators."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from gateway.directory import service
from gateway.directory.dependencies import Administrator, Principals, ReaderScope
from gateway.directory.router.views import (
    audit_change,
    membership_read,
)
from gateway.directory.schemas import (
    MembershipCreate,
    MembershipEnd,
    MembershipRead,
)
from gateway.directory.service import DirectoryScope, london_today
from services.app import route_responses
from services.pagination import Page
from services.routing import KitRoute
from services.unit_of_work import DbSession

router = APIRouter(prefix="/directory", tags=["directory"], route_class=KitRoute)


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
    return Page(items=[membership_read(m, name) for m, name in rows], next_cursor=None)


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
    audit_change(
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
    return membership_read(membership, team.name)


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
    audit_change(
        request,
        "ended",
        "membership",
        membership.id,
        practitioner_id=practitioner.id,
        team_id=membership.team_id,
        valid_to=valid_to.isoformat(),
    )
    principals.forget(practitioner.subject)
    return membership_read(membership, team_name)
