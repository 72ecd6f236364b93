"""Full-text search over entries, session logs and role summaries the caller may see.

Hits come newest first (event time, then id), with their relevance shown as `rank`: a
practitioner searching a family's record is asking when something was said, and the
chronology, the entry lists and the change feed all read in time order. Ranking by relevance
would have to score every match before showing the first page, so its cost grew with the
record (bench/README.md has the figures). The access rules and the paging are in
search/repository.py.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.pagination import PageRequest
from services.principal import Principal
from workbook_api.entries.repository import ENTRY_ORDER
from workbook_api.search.repository import search_rows
from workbook_api.search.schemas import SearchHit


async def search_entries(
    session: AsyncSession,
    principal: Principal,
    text: str,
    page: PageRequest,
    *,
    case_id: UUID | None,
) -> tuple[list[SearchHit], str | None]:
    """A keyset page of hits, newest event first, then id."""
    rows = await search_rows(session, principal, text, page, case_id=case_id)
    hits = [SearchHit.of(row) for row in rows]
    return ENTRY_ORDER.page(hits, page, lambda hit: (hit.event_at, hit.id))
