"""HTTP endpoint for full-text search across the workbook records the caller may see."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query

from services.auditing import Audit, audited
from services.pagination import Page, PageQuery
from services.routing import kit_router
from services.unit_of_work import DbSession
from workbook_api.access.dependencies import Reader
from workbook_api.search import service
from workbook_api.search.schemas import SearchHit

router = kit_router(tags=["search"])


@router.get("/search", summary="Search the workbook")
@audited("search", "entry", resource="")
async def search_workbook(
    session: DbSession,
    principal: Reader,
    page: PageQuery,
    note: Audit,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            pattern=r"^[^\x00]+$",
            description='Words, "quoted phrases", OR and -exclusions (web search syntax).',
        ),
    ],
    case_id: Annotated[UUID | None, Query(description="Only this case")] = None,
) -> Page[SearchHit]:
    """Search entries, session logs and role summaries the caller may see, newest first."""
    note.case_id = case_id
    hits, next_cursor = await service.search_entries(session, principal, q, page, case_id=case_id)
    # The query may name a person: the audit keeps its length, never its words.
    note.details.update(result_count=len(hits), query_length=len(q))
    return Page[SearchHit](items=hits, next_cursor=next_cursor)
