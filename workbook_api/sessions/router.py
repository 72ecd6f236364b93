"""HTTP endpoints for MDT session logs: adult specialists' sessions with parents.

A session log is a workbook entry of type `mdt_session` carrying its discipline's structured
fields; it is finalised, amended and withdrawn through the entry endpoints like any other entry.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import ColumnElement

from services.app import route_responses
from services.db import DbSession
from services.pagination import Page, page_params
from workbook_api.access.visibility import load_case_or_404
from workbook_api.audit_purpose import AccessPurpose, audited
from workbook_api.disciplines.dependencies import RecordingConfigDep
from workbook_api.entries import service
from workbook_api.entries.dependencies import Reader, Recorder
from workbook_api.entries.models import SESSION_TYPE, Entry
from workbook_api.entries.router import CODE_PATTERN, content_of, entry_location, respond
from workbook_api.entries.schemas import EntryOut, EntryStatus, SessionLogCreate
from workbook_api.listing import aware_datetime, cursor_key, uuid_value

router = APIRouter(tags=["sessions"])

PageParams = Annotated[tuple[int, str | None], Depends(page_params)]


@router.post(
    "/cases/{case_id}/sessions",
    status_code=201,
    responses=route_responses(401, 403, 404, 409, 422),
)
async def create_session_log(
    case_id: UUID,
    body: SessionLogCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Recorder,
    purpose: AccessPurpose,
    config: RecordingConfigDep,
) -> EntryOut:
    """Log an MDT session with a parent, with your discipline's configured fields."""
    with audited(
        request, action="create", resource_type="session_log", case_id=case_id, purpose=purpose
    ) as note:
        case = await load_case_or_404(session, principal, case_id)
        entry, given = await service.create_entry(
            session,
            principal,
            config,
            case,
            entry_type=SESSION_TYPE,
            content=content_of(body),
            finalise=body.finalise,
        )
        note.resource_id = str(entry.id)
        note.details.update(status=entry.status, fields=given, config_version=config.version)
        view = await service.get_entry_view(session, principal, case_id, entry.id, summary=False)
    response.headers["Location"] = entry_location(case_id, entry.id)
    return respond(response, view)


@router.get(
    "/cases/{case_id}/sessions",
    status_code=200,
    responses=route_responses(400, 401, 403, 404, 422),
)
async def list_session_logs(
    case_id: UUID,
    request: Request,
    session: DbSession,
    principal: Reader,
    purpose: AccessPurpose,
    page: PageParams,
    discipline: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    person_id: Annotated[UUID | None, Query(description="Sessions with this family member")] = None,
    status: EntryStatus | None = None,
    include_withdrawn: bool = False,
) -> Page[EntryOut]:
    """List the case's MDT session logs the caller may see, newest first."""
    limit, cursor = page
    after = cursor_key(cursor, aware_datetime, uuid_value)
    filters: list[ColumnElement[bool]] = [Entry.entry_type == SESSION_TYPE]
    if discipline is not None:
        filters.append(Entry.discipline == discipline)
    if person_id is not None:
        filters.append(Entry.person_ids.contains([person_id]))
    if status is not None:
        filters.append(Entry.status == status)
    with audited(
        request, action="list", resource_type="session_log", case_id=case_id, purpose=purpose
    ) as note:
        await load_case_or_404(session, principal, case_id)
        items, next_cursor = await service.list_entry_views(
            session,
            principal,
            case_id,
            limit=limit,
            after=after,
            filters=filters,
            include_withdrawn=include_withdrawn or status == "withdrawn",
        )
        note.details["count"] = len(items)
    return Page[EntryOut](
        items=[EntryOut.model_validate(i) for i in items], next_cursor=next_cursor
    )


@router.get(
    "/cases/{case_id}/sessions/{entry_id}",
    status_code=200,
    responses=route_responses(401, 403, 404, 422),
)
async def get_session_log(
    case_id: UUID,
    entry_id: UUID,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Reader,
    purpose: AccessPurpose,
) -> EntryOut:
    """Read one MDT session log, restricted fields only where the caller may see them."""
    with audited(
        request,
        action="read",
        resource_type="session_log",
        resource_id=entry_id,
        case_id=case_id,
        purpose=purpose,
    ) as note:
        await load_case_or_404(session, principal, case_id)
        view = await service.get_entry_view(
            session, principal, case_id, entry_id, summary=False, session_log=True
        )
        note.details["detail_withheld"] = view["detail_withheld"]
    return respond(response, view)
