"""HTTP endpoints for cases, their allocations and workbook episodes."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.app import route_responses
from services.auth import CurrentPrincipal
from services.concurrency import require_if_match, set_etag
from services.db import DbSession
from services.pagination import Page, page_params, split_page
from workbook_api.access.visibility import load_case_or_404
from workbook_api.audit_purpose import AccessPurpose, audited
from workbook_api.cases import service
from workbook_api.cases.models import Allocation, Case, Episode
from workbook_api.cases.schemas import (
    AllocationCreate,
    AllocationEnd,
    AllocationRead,
    CaseClose,
    CaseCreate,
    CaseDetail,
    CaseRead,
    CaseReopen,
    CaseStatus,
    EpisodeRead,
)
from workbook_api.listing import aware_datetime, cursor_key, uuid_value
from workbook_api.settings import settings_from

router = APIRouter(tags=["cases"])

PageParams = Annotated[tuple[int, str | None], Depends(page_params)]


def case_read(case: Case, family_name: str) -> CaseRead:
    """Render a case for lists."""
    return CaseRead(
        id=case.id,
        family_id=case.family_id,
        family_name=family_name,
        owning_team_id=case.owning_team_id,
        status=case.status,
        opened_at=case.opened_at,
        opened_reason=case.opened_reason,
        closed_at=case.closed_at,
        closed_reason=case.closed_reason,
        version=case.version,
        created_at=case.created_at,
        updated_at=case.updated_at,
    )


def allocation_read(allocation: Allocation) -> AllocationRead:
    """Render an allocation."""
    return AllocationRead.model_validate(allocation, from_attributes=True)


def episode_read(episode: Episode) -> EpisodeRead:
    """Render an episode."""
    return EpisodeRead.model_validate(episode, from_attributes=True)


async def case_detail(session: DbSession, case: Case) -> CaseDetail:
    """Render a case with its current allocations and open episode."""
    name = await service.family_name(session, case)
    allocations = await service.list_current_allocations(session, case.id)
    episode = await service.current_episode(session, case.id)
    return CaseDetail(
        **case_read(case, name).model_dump(),
        current_allocations=[allocation_read(a) for a in allocations],
        current_episode=episode_read(episode) if episode is not None else None,
    )


@router.post("/cases", status_code=201, responses=route_responses(401, 403, 404, 409, 422))
async def create_case(
    body: CaseCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> CaseDetail:
    """Open a case for a family, owned by a team the caller manages; episode 1 opens with it."""
    with audited(request, action="create", resource_type="case", purpose=purpose) as note:
        note.details["family_id"] = str(body.family_id)
        case, _ = await service.open_case(session, principal, body)
        note.resource_id = str(case.id)
        note.case_id = case.id
    response.headers["Location"] = f"/cases/{case.id}"
    set_etag(response, case.id, case.version)
    return await case_detail(session, case)


@router.get("/cases", status_code=200, responses=route_responses(400, 401, 422))
async def list_cases(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
    page: PageParams,
    status: Annotated[CaseStatus | None, Query()] = None,
    owning_team_id: Annotated[UUID | None, Query()] = None,
    family_id: Annotated[UUID | None, Query()] = None,
) -> Page[CaseRead]:
    """List the cases the caller may see, newest first."""
    limit, cursor = page
    after = cursor_key(cursor, aware_datetime, uuid_value)
    with audited(request, action="list", resource_type="case", purpose=purpose) as note:
        rows = await service.list_cases(
            session,
            principal,
            limit=limit,
            after=after,
            status=status,
            owning_team_id=owning_team_id,
            family_id=family_id,
        )
        items, next_cursor = split_page(
            rows, limit, lambda row: (row[0].created_at.isoformat(), row[0].id)
        )
        note.details["count"] = len(items)
    return Page[CaseRead](
        items=[case_read(case, name) for case, name in items], next_cursor=next_cursor
    )


@router.get("/cases/{case_id}", status_code=200, responses=route_responses(401, 404, 422))
async def get_case(
    case_id: UUID,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> CaseDetail:
    """Read a case with its current allocations and episode."""
    with audited(
        request,
        action="read",
        resource_type="case",
        resource_id=case_id,
        case_id=case_id,
        purpose=purpose,
    ):
        case = await load_case_or_404(session, principal, case_id)
        detail = await case_detail(session, case)
    set_etag(response, case.id, case.version)
    return detail


@router.post(
    "/cases/{case_id}/close",
    status_code=200,
    responses=route_responses(401, 403, 404, 409, 412, 422, 428),
)
async def close_case(
    case_id: UUID,
    body: CaseClose,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> CaseDetail:
    """Close a case with a reason; its allocations and open episode end (If-Match)."""
    with audited(
        request,
        action="close",
        resource_type="case",
        resource_id=case_id,
        case_id=case_id,
        purpose=purpose,
    ) as note:
        case = await load_case_or_404(session, principal, case_id, lock=True)
        service.require_case_manager(principal, case)
        require_if_match(request, case.id, case.version)
        ended = await service.close_case(session, principal, case, body.reason)
        note.details["allocations_ended"] = len(ended)
    set_etag(response, case.id, case.version)
    return await case_detail(session, case)


@router.post(
    "/cases/{case_id}/reopen",
    status_code=200,
    responses=route_responses(401, 403, 404, 409, 412, 422, 428),
)
async def reopen_case(
    case_id: UUID,
    body: CaseReopen,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> CaseDetail:
    """Reopen a closed case with a reason; a new episode opens (If-Match)."""
    with audited(
        request,
        action="reopen",
        resource_type="case",
        resource_id=case_id,
        case_id=case_id,
        purpose=purpose,
    ) as note:
        case = await load_case_or_404(session, principal, case_id, lock=True)
        service.require_case_manager(principal, case)
        require_if_match(request, case.id, case.version)
        episode = await service.reopen_case(session, principal, case, body.reason)
        note.details["episode_number"] = episode.number
    set_etag(response, case.id, case.version)
    return await case_detail(session, case)


@router.get(
    "/cases/{case_id}/allocations", status_code=200, responses=route_responses(401, 404, 422)
)
async def list_allocations(
    case_id: UUID,
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
    state: Annotated[Literal["current", "past", "all"], Query()] = "all",
) -> Page[AllocationRead]:
    """List who works (and worked) on a case."""
    with audited(
        request,
        action="list",
        resource_type="allocation",
        resource_id=case_id,
        case_id=case_id,
        purpose=purpose,
    ) as note:
        case = await load_case_or_404(session, principal, case_id)
        allocations = await service.list_allocations(session, case.id, state=state)
        note.details["count"] = len(allocations)
    return Page[AllocationRead](items=[allocation_read(a) for a in allocations])


@router.post(
    "/cases/{case_id}/allocations",
    status_code=201,
    responses=route_responses(401, 403, 404, 409, 422),
)
async def create_allocation(
    case_id: UUID,
    body: AllocationCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> AllocationRead:
    """Allocate a practitioner to a case (one allocated social worker at a time)."""
    with audited(
        request, action="allocate", resource_type="allocation", case_id=case_id, purpose=purpose
    ) as note:
        note.details["practitioner_id"] = str(body.practitioner_id)
        case = await load_case_or_404(session, principal, case_id, lock=True)
        allocation = await service.allocate(
            session,
            principal,
            case,
            body,
            social_work_disciplines=settings_from(request).social_work_disciplines,
        )
        note.resource_id = str(allocation.id)
    response.headers["Location"] = f"/cases/{case_id}/allocations/{allocation.id}"
    set_etag(response, allocation.id, allocation.version)
    return allocation_read(allocation)


@router.get(
    "/cases/{case_id}/allocations/{allocation_id}",
    status_code=200,
    responses=route_responses(401, 404, 422),
)
async def get_allocation(
    case_id: UUID,
    allocation_id: UUID,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> AllocationRead:
    """Read one allocation of a case."""
    with audited(
        request,
        action="read",
        resource_type="allocation",
        resource_id=allocation_id,
        case_id=case_id,
        purpose=purpose,
    ):
        case = await load_case_or_404(session, principal, case_id)
        allocation = await service.load_allocation_or_404(session, case, allocation_id)
    set_etag(response, allocation.id, allocation.version)
    return allocation_read(allocation)


@router.post(
    "/cases/{case_id}/allocations/{allocation_id}/end",
    status_code=200,
    responses=route_responses(401, 403, 404, 409, 412, 422, 428),
)
async def end_allocation(
    case_id: UUID,
    allocation_id: UUID,
    body: AllocationEnd,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> AllocationRead:
    """End an allocation now or at a given time; it stays in the history (If-Match)."""
    with audited(
        request,
        action="end_allocation",
        resource_type="allocation",
        resource_id=allocation_id,
        case_id=case_id,
        purpose=purpose,
    ):
        case = await load_case_or_404(session, principal, case_id, lock=True)
        service.require_case_manager(principal, case)
        allocation = await service.load_allocation_or_404(session, case, allocation_id)
        require_if_match(request, allocation.id, allocation.version)
        await service.end_allocation(session, principal, case, allocation, body)
    set_etag(response, allocation.id, allocation.version)
    return allocation_read(allocation)


@router.get("/cases/{case_id}/episodes", status_code=200, responses=route_responses(401, 404, 422))
async def list_episodes(
    case_id: UUID,
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> Page[EpisodeRead]:
    """List a case's workbook episodes in order."""
    with audited(
        request,
        action="list",
        resource_type="episode",
        resource_id=case_id,
        case_id=case_id,
        purpose=purpose,
    ) as note:
        case = await load_case_or_404(session, principal, case_id)
        episodes = await service.list_episodes(session, case.id)
        note.details["count"] = len(episodes)
    return Page[EpisodeRead](items=[episode_read(e) for e in episodes])


@router.get(
    "/cases/{case_id}/episodes/{number}",
    status_code=200,
    responses=route_responses(401, 404, 422),
)
async def get_episode(
    case_id: UUID,
    number: Annotated[int, Path(ge=1, le=100_000)],
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> EpisodeRead:
    """Read one episode of a case by its number."""
    with audited(
        request,
        action="read",
        resource_type="episode",
        resource_id=f"{case_id}/{number}",
        case_id=case_id,
        purpose=purpose,
    ):
        case = await load_case_or_404(session, principal, case_id)
        episode = await service.load_episode_or_404(session, case.id, number)
    return episode_read(episode)
