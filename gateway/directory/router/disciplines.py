"""The disciplines practitioners can hold: reference data for any practitioner."""

from __future__ import annotations

from fastapi import APIRouter, status

from gateway.directory import service
from gateway.directory.schemas import (
    DisciplineRead,
)
from services.app import route_responses
from services.auth import CurrentPrincipal
from services.routing import KitRoute
from services.unit_of_work import DbSession

router = APIRouter(prefix="/directory", tags=["directory"], route_class=KitRoute)


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
