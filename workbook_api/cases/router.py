"""HTTP endpoints for cases, their allocations and workbook episodes."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import Path, Query, Response

from services.auditing import Audit, audited
from services.auth import CurrentPrincipal
from services.concurrency import IfMatch, check_if_match, set_etag
from services.errors import raises
from services.event_contracts import CaseKind
from services.pagination import Page, PageQuery
from services.responses import created
from services.routing import kit_router
from services.unit_of_work import DbSession
from workbook_api.access.dependencies import ManagedCase, ManagedCaseAtVersion, VisibleCase
from workbook_api.cases import repository, service
from workbook_api.cases.models import Case, Episode
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
from workbook_api.settings import WorkbookSettingsDep

router = kit_router(tags=["cases"])
AllocationId = Annotated[UUID, Path(description="The allocation")]
EpisodeNumber = Annotated[int, Path(ge=1, le=100_000, description="The episode's number")]


async def case_detail(
    session: DbSession, case: Case, family_name: str, episode: Episode | None
) -> CaseDetail:
    """A case with its current allocations and open episode."""
    allocations = await repository.list_current_allocations(session, case.id)
    return CaseDetail.of(
        case,
        family_name=family_name,
        current_allocations=[AllocationRead.of(a) for a in allocations],
        current_episode=EpisodeRead.of(episode) if episode else None,
    )


@router.post("/cases", status_code=201, summary="Open a case")
@audited("create", "case")
@raises(403, 404, 409)
async def create_case(
    body: CaseCreate,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    note: Audit,
) -> CaseDetail:
    """Open a case for a family, owned by a team the caller manages; episode 1 opens with it."""
    note.details["family_id"] = str(body.family_id)
    case, family_name, episode = await service.open_case(session, principal, body)
    note.resource_id, note.case_id = str(case.id), case.id
    created(response, f"/cases/{case.id}", case.id, case.version)
    return await case_detail(session, case, family_name, episode)


@router.get("/cases", summary="List cases")
@audited("list", "case")
async def list_cases(
    session: DbSession,
    principal: CurrentPrincipal,
    page: PageQuery,
    note: Audit,
    status: Annotated[CaseStatus | None, Query()] = None,
    owning_team_id: Annotated[UUID | None, Query()] = None,
    family_id: Annotated[UUID | None, Query()] = None,
    kind: Annotated[CaseKind | None, Query()] = None,
) -> Page[CaseRead]:
    """List the cases the caller may see, newest first."""
    rows, next_cursor = await repository.list_cases(
        session,
        principal,
        page,
        status=status,
        owning_team_id=owning_team_id,
        family_id=family_id,
        kind=kind,
    )
    note.details["count"] = len(rows)
    return Page[CaseRead](
        items=[CaseRead.of(case, family_name=name) for case, name in rows], next_cursor=next_cursor
    )


@router.get("/cases/{case_id}", summary="Read a case")
@audited("read", "case")
async def get_case(access: VisibleCase, response: Response, session: DbSession) -> CaseDetail:
    """Read a case with its current allocations and episode."""
    set_etag(response, access.case.id, access.case.version)
    return await case_detail(session, access.case, access.family_name, access.open_episode)


@router.post("/cases/{case_id}/close", summary="Close a case")
@audited("close", "case")
@raises(409)
async def close_case(
    body: CaseClose,
    access: ManagedCaseAtVersion,
    response: Response,
    session: DbSession,
    note: Audit,
) -> CaseDetail:
    """Close a case with a reason; its allocations and open episode end (If-Match)."""
    case = access.case
    ended = await service.close_case(
        session, access.principal, case, access.open_episode, body.reason
    )
    note.details["allocations_ended"] = len(ended)
    set_etag(response, case.id, case.version)
    return await case_detail(session, case, access.family_name, None)


@router.post("/cases/{case_id}/reopen", summary="Reopen a case")
@audited("reopen", "case")
@raises(409)
async def reopen_case(
    body: CaseReopen,
    access: ManagedCaseAtVersion,
    response: Response,
    session: DbSession,
    note: Audit,
) -> CaseDetail:
    """Reopen a closed case with a reason; a new episode opens (If-Match)."""
    case = access.case
    episode = await service.reopen_case(session, case, body.reason)
    note.details["episode_number"] = episode.number
    set_etag(response, case.id, case.version)
    return await case_detail(session, case, access.family_name, episode)


@router.get("/cases/{case_id}/allocations", summary="List a case's allocations")
@audited("list", "allocation", resource="case_id")
async def list_allocations(
    access: VisibleCase,
    session: DbSession,
    note: Audit,
    state: Annotated[Literal["current", "past", "all"], Query()] = "all",
) -> Page[AllocationRead]:
    """List who works (and worked) on a case."""
    allocations = await repository.list_allocations(session, access.case.id, state=state)
    note.details["count"] = len(allocations)
    return Page[AllocationRead](items=[AllocationRead.of(a) for a in allocations])


@router.post("/cases/{case_id}/allocations", status_code=201, summary="Allocate a practitioner")
@audited("allocate", "allocation", resource="")
@raises(409)
async def create_allocation(
    body: AllocationCreate,
    access: ManagedCase,
    response: Response,
    session: DbSession,
    settings: WorkbookSettingsDep,
    note: Audit,
) -> AllocationRead:
    """Allocate a practitioner to a case (one allocated social worker at a time)."""
    note.details["practitioner_id"] = str(body.practitioner_id)
    allocation = await service.allocate(
        session,
        access.principal,
        access.case,
        body,
        social_work_disciplines=settings.social_work_disciplines,
    )
    note.resource_id = str(allocation.id)
    created(
        response,
        f"/cases/{access.case.id}/allocations/{allocation.id}",
        allocation.id,
        allocation.version,
    )
    return AllocationRead.of(allocation)


@router.get("/cases/{case_id}/allocations/{allocation_id}", summary="Read an allocation")
@audited("read", "allocation")
async def get_allocation(
    allocation_id: AllocationId, access: VisibleCase, response: Response, session: DbSession
) -> AllocationRead:
    """Read one allocation of a case."""
    allocation = await repository.load_allocation_or_404(session, access.case.id, allocation_id)
    set_etag(response, allocation.id, allocation.version)
    return AllocationRead.of(allocation)


@router.post("/cases/{case_id}/allocations/{allocation_id}/end", summary="End an allocation")
@audited("end_allocation", "allocation")
@raises(409, 412, 428)
async def end_allocation(
    allocation_id: AllocationId,
    body: AllocationEnd,
    access: ManagedCase,
    response: Response,
    session: DbSession,
    if_match: IfMatch = None,
) -> AllocationRead:
    """End an allocation now or at a given time; it stays in the history (If-Match)."""
    allocation = await repository.load_allocation_or_404(session, access.case.id, allocation_id)
    check_if_match(if_match, allocation.id, allocation.version)
    await service.end_allocation(session, access.case, allocation, body)
    set_etag(response, allocation.id, allocation.version)
    return AllocationRead.of(allocation)


@router.get("/cases/{case_id}/episodes", summary="List a case's workbook episodes")
@audited("list", "episode", resource="case_id")
async def list_episodes(access: VisibleCase, session: DbSession, note: Audit) -> Page[EpisodeRead]:
    """List a case's workbook episodes in order."""
    episodes = await repository.list_episodes(session, access.case.id)
    note.details["count"] = len(episodes)
    return Page[EpisodeRead](items=[EpisodeRead.of(e) for e in episodes])


@router.get("/cases/{case_id}/episodes/{number}", summary="Read a workbook episode")
@audited("read", "episode")
async def get_episode(
    number: EpisodeNumber, access: VisibleCase, session: DbSession, note: Audit
) -> EpisodeRead:
    """Read one episode of a case by its number."""
    note.resource_id = f"{access.case.id}/{number}"
    episode = await repository.load_episode_or_404(session, access.case.id, number)
    return EpisodeRead.of(episode)
