"""HTTP endpoint of the change feed: `GET /changes?cursor=...` for clients that keep a copy."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.change_feed.router import change_feed_router
from services.principal import Principal
from workbook_api.access.dependencies import READING_ROLES
from workbook_api.changes import service
from workbook_api.changes.schemas import ChangePage
from workbook_api.changes.sight import visible_sight


async def _read(
    session: AsyncSession, principal: Principal, *, cursor: str | None, limit: int
) -> ChangePage:
    sight = await visible_sight(session, principal)
    return await service.read_page(
        session, principal, service.CHANGES, sight, cursor=cursor, limit=limit
    )


router = change_feed_router(
    operation_id="read_changes",
    page_model=ChangePage,
    read=_read,
    roles=READING_ROLES,
    summary="Read what changed in the records you may see",
    description="Changes to the cases, families and records you may see, oldest first, with"
    " tombstones\nfor what left your sight; resume from `next_cursor`. The system of record"
    " sees everything.",
)
