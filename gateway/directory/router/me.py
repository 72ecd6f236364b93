"""`/me`: who the gateway thinks the caller is."""

from __future__ import annotations

from fastapi import APIRouter, status

from gateway.directory import lookup
from gateway.directory.schemas import (
    MeRead,
    TeamRef,
)
from gateway.directory.service import london_today
from services.app import route_responses
from services.auth import CurrentPrincipal
from services.routing import KitRoute
from services.unit_of_work import DbSession

me_router = APIRouter(tags=["me"], route_class=KitRoute)


@me_router.get(
    "/me", status_code=status.HTTP_200_OK, responses=route_responses(401, 403), summary="Who am I"
)
async def get_me(principal: CurrentPrincipal, session: DbSession) -> MeRead:
    """Return the signed-in practitioner as the directory resolves them."""
    teams = await lookup.teams_of(session, principal.practitioner_id, london_today())
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
