"""HTTP endpoints for MDT session logs: adult specialists' sessions with parents.

A session log is a workbook entry of type `mdt_session` carrying its discipline's structured
fields; it is finalised, amended and withdrawn through the entry endpoints like any other entry.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query, Response

from services.auditing import Audit, audited
from services.errors import raises
from services.pagination import Page, PageQuery
from services.routing import kit_router
from services.unit_of_work import DbSession
from workbook_api.access.dependencies import ReadableCase, RecordingCase
from workbook_api.disciplines.dependencies import RecordingConfigDep
from workbook_api.entries import service
from workbook_api.entries.dependencies import EntryId
from workbook_api.entries.models import SESSION_TYPE
from workbook_api.entries.router import CODE_PATTERN, record, respond
from workbook_api.entries.schemas import EntryOut, EntryStatus, SessionLogCreate

router = kit_router(tags=["sessions"])


@router.post("/cases/{case_id}/sessions", status_code=201, summary="Log an MDT session")
@audited("create", "session_log", resource="")
@raises(403, 409)
async def create_session_log(
    body: SessionLogCreate,
    access: RecordingCase,
    response: Response,
    session: DbSession,
    config: RecordingConfigDep,
    note: Audit,
) -> EntryOut:
    """Log an MDT session with a parent, with your discipline's configured fields."""
    note.details["config_version"] = config.version
    return await record(body, SESSION_TYPE, access, response, session, config, note)


@router.get("/cases/{case_id}/sessions", summary="List a case's MDT session logs")
@audited("list", "session_log", resource="")
async def list_session_logs(
    access: ReadableCase,
    session: DbSession,
    page: PageQuery,
    note: Audit,
    discipline: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    person_id: Annotated[UUID | None, Query(description="Sessions with this family member")] = None,
    status: EntryStatus | None = None,
    include_withdrawn: bool = False,
) -> Page[EntryOut]:
    """List the case's MDT session logs the caller may see, newest first."""
    wanted = service.EntryFilter(
        kind="session_logs",
        discipline=discipline,
        person_id=person_id,
        status=status,
        include_withdrawn=include_withdrawn,
    )
    items, next_cursor = await service.list_entry_views(session, access, page, wanted)
    note.details["count"] = len(items)
    return Page[EntryOut](items=items, next_cursor=next_cursor)


@router.get("/cases/{case_id}/sessions/{entry_id}", summary="Read an MDT session log")
@audited("read", "session_log")
@raises(404)
async def get_session_log(
    entry_id: EntryId, access: ReadableCase, response: Response, session: DbSession, note: Audit
) -> EntryOut:
    """Read one MDT session log, restricted fields only where the caller may see them."""
    view = await service.get_entry_view(session, access, entry_id, summary=False, session_log=True)
    note.details["detail_withheld"] = view.detail_withheld
    return respond(response, view)
