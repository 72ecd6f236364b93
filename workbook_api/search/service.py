"""Full-text search over entries, session logs and role summaries the caller may see.

Two generated vectors per entry (entries/models.py): `search_shared` never contains restricted
narrative or restricted fields; `search_full` does. A caller matches `search_full` only on rows
where the restricted-detail rule lets them read it, so a word that appears only in restricted
detail finds nothing for anyone else, and the snippet is built from the same permitted text.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.pagination import Keyset, PageRequest, uuid_value
from services.principal import Principal
from workbook_api.cases.models import Case, Episode
from workbook_api.entries.models import ROLE_SUMMARY_TYPE, SESSION_TYPE, Entry, entry_table
from workbook_api.entries.repository import detail_visible, entry_visible
from workbook_api.families.models import Family
from workbook_api.search.schemas import HIGHLIGHT_START, HIGHLIGHT_STOP, SearchHit

TEXT_SEARCH_CONFIG = "english"
# A constant, never user input: the text search configuration all vectors were built with.
REGCONFIG_ENGLISH: ColumnElement[Any] = literal_column(f"'{TEXT_SEARCH_CONFIG}'::regconfig")
# The cursor of a hit: its rank (as Python prints a float, exactly) and its id.
SEARCH_KEY = Keyset((literal_column("rank"), float), (Entry.id, uuid_value))
HEADLINE_OPTIONS = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, "
    'MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter=" \u2026 "'
)


def _ranked(principal: Principal, query: Any, case_id: UUID | None) -> Select[Any]:
    shared = entry_table.c.search_shared
    full = entry_table.c.search_full
    allowed = detail_visible(principal)
    matches = or_(shared.op("@@")(query), and_(allowed, full.op("@@")(query)))
    vector = case((allowed, full), else_=shared)
    ranked = select(
        Entry.id.label("id"),
        cast(func.ts_rank(vector, query), Float).label("rank"),
        allowed.label("detail_ok"),
    ).where(matches, entry_visible(principal, include_withdrawn=False))
    if case_id is not None:
        ranked = ranked.where(Entry.case_id == case_id)
    return ranked


async def search_entries(
    session: AsyncSession,
    principal: Principal,
    text: str,
    page: PageRequest,
    *,
    case_id: UUID | None,
) -> tuple[list[SearchHit], str | None]:
    """A keyset page of hits, best rank first, then id."""
    after = SEARCH_KEY.after(page)
    limit = page.limit
    query = func.websearch_to_tsquery(REGCONFIG_ENGLISH, text)
    ranked = _ranked(principal, query, case_id).subquery("ranked")
    bounded = select(ranked)
    if after is not None:
        rank, last_id = after
        bounded = bounded.where(
            or_(ranked.c.rank < rank, and_(ranked.c.rank == rank, ranked.c.id > last_id))
        )
    page_sq = bounded.order_by(ranked.c.rank.desc(), ranked.c.id).limit(limit + 1).subquery("page")
    # The snippet text is assembled under the same rule: restricted narrative only if permitted.
    readable = func.concat_ws(
        " ",
        Entry.shareable_summary,
        case((page_sq.c.detail_ok, Entry.narrative), else_=None),
    )
    kind = case(
        (Entry.entry_type == ROLE_SUMMARY_TYPE, "role_summary"),
        (Entry.entry_type == SESSION_TYPE, "session_log"),
        else_="entry",
    )
    rows = (
        await session.execute(
            select(
                kind.label("kind"),
                Entry.id,
                Entry.case_id,
                Family.id.label("family_id"),
                Family.name.label("family_name"),
                Episode.number.label("episode_number"),
                Entry.entry_type,
                Entry.status,
                Entry.event_at,
                Entry.author_name,
                Entry.discipline,
                (Entry.sensitivity == "restricted").label("restricted"),
                (~page_sq.c.detail_ok).label("detail_withheld"),
                page_sq.c.rank,
                func.ts_headline(
                    REGCONFIG_ENGLISH,
                    readable,
                    query,
                    HEADLINE_OPTIONS,
                ).label("snippet"),
            )
            .select_from(page_sq)
            .join(Entry, Entry.id == page_sq.c.id)
            .join(Episode, Episode.id == Entry.episode_id)
            .join(Case, Case.id == Entry.case_id)
            .join(Family, Family.id == Case.family_id)
            .order_by(page_sq.c.rank.desc(), page_sq.c.id)
        )
    ).all()
    hits = [SearchHit.of(row) for row in rows]
    return SEARCH_KEY.page(hits, page, lambda hit: (repr(hit.rank), hit.id))
