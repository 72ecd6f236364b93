"""HTTP endpoint of the change feed: `GET /changes?cursor=...` for clients that keep a copy."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from services.auditing import Audit, audited
from services.errors import raises
from services.pagination import MAX_LIMIT
from services.routing import kit_router
from services.unit_of_work import DbSession
from workbook_api.access.dependencies import Reader
from workbook_api.changes import service
from workbook_api.changes.schemas import ChangePage
from workbook_api.changes.sight import visible_sight

router = kit_router(tags=["changes"])

Cursor = Annotated[
    str | None,
    Query(max_length=64, description="`next_cursor` of the page before; none to start"),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many items")]


@router.get("/changes", summary="Read what changed in the records you may see")
@audited("read", "change_feed", resource="")
@raises(400, 410)
async def read_changes(
    principal: Reader, session: DbSession, note: Audit, cursor: Cursor = None, limit: Limit = 100
) -> ChangePage:
    """Changes to the cases, families and records you may see, oldest first, with tombstones
    for what left your sight; resume from `next_cursor`. The system of record sees everything."""
    sight = await visible_sight(session, principal)
    page = await service.read_page(
        session, principal, service.CHANGES, sight, cursor=cursor, limit=limit
    )
    note.details.update(count=len(page.items), case_ids=service.case_ids_of(page))
    return page
