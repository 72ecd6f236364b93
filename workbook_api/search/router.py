"""HTTP endpoint for full-text search across the workbook records the caller may see."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from services.app import route_responses
from services.db import DbSession
from services.pagination import Page, page_params
from workbook_api.audit_purpose import AccessPurpose, audited
from workbook_api.entries.dependencies import Reader
from workbook_api.listing import cursor_key, uuid_value
from workbook_api.search import service
from workbook_api.search.schemas import SearchHit

router = APIRouter(tags=["search"])

PageParams = Annotated[tuple[int, str | None], Depends(page_params)]


@router.get("/search", status_code=200, responses=route_responses(400, 401, 403, 422))
async def search_workbook(
    request: Request,
    session: DbSession,
    principal: Reader,
    purpose: AccessPurpose,
    page: PageParams,
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
    """Search entries, session logs and role summaries the caller may see, best match first."""
    limit, cursor = page
    after = cursor_key(cursor, float, uuid_value)
    # The query may name a person: the audit keeps its length, never its words.
    with audited(
        request, action="search", resource_type="entry", case_id=case_id, purpose=purpose
    ) as note:
        hits, next_cursor = await service.search_entries(
            session,
            principal,
            q,
            case_id=case_id,
            limit=limit,
            after=(after[0], after[1]) if after is not None else None,
        )
        note.details.update(result_count=len(hits), query_length=len(q))
    return Page[SearchHit](items=hits, next_cursor=next_cursor)
