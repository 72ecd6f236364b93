"""The change feed's endpoint, `GET /changes?cursor=...`, built the same way for every unit.

Deliberately without postponed annotations: the handler is made here for each unit, and its
parameters' annotations (the unit's reading roles, its page model) must be objects FastAPI can
read, not names to look up in this module.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from services.auditing import Audit, audited
from services.auth import require_any_role
from services.change_feed.schemas import ChangePage, case_ids_of
from services.errors import raises
from services.pagination import MAX_LIMIT
from services.principal import Principal
from services.routing import kit_router
from services.unit_of_work import DbSession

Cursor = Annotated[
    str | None,
    Query(max_length=64, description="`next_cursor` of the page before; none to start"),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many items")]


class PageReader(Protocol):
    """Reads one page of a unit's feed as the caller may see it."""

    def __call__(
        self, session: AsyncSession, principal: Principal, *, cursor: str | None, limit: int
    ) -> Awaitable[ChangePage[Any]]: ...


def change_feed_router(
    *,
    operation_id: str,
    page_model: type[ChangePage[Any]],
    read: PageReader,
    roles: tuple[str, ...],
    summary: str,
    description: str,
) -> APIRouter:
    """A router serving `GET /changes` (operation ids are unique across units: name it)."""
    router = kit_router(tags=["changes"])
    reader: Callable[..., Awaitable[Principal]] = require_any_role(*roles)

    @router.get(
        "/changes",
        summary=summary,
        description=description,
        operation_id=operation_id,
        response_model=page_model,
    )
    @audited("read", "change_feed", resource="")
    @raises(400, 410)
    async def read_changes(
        principal: Annotated[Principal, Depends(reader)],
        session: DbSession,
        note: Audit,
        cursor: Cursor = None,
        limit: Limit = 100,
    ) -> ChangePage[Any]:
        page = await read(session, principal, cursor=cursor, limit=limit)
        note.details.update(count=len(page.items), case_ids=case_ids_of(page.items))
        return page

    return router
