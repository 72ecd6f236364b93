"""The search statement: a page of matching entries, newest first, access inside the query.

Two generated vectors per entry (entries/models.py): `search_shared` never holds restricted
narrative or restricted fields; `search_full` holds everything. A row is tested against
`search_full` only where the caller may read its detail and against `search_shared` otherwise,
so a word that appears only in restricted detail never matches for anyone else (nor does its
absence: "-word" tests the same text the caller could read).

Why the statement has this shape (bench/search_bench.py measures it; bench/README.md):
- hits come newest first, keyed by (event_at, id) like every other list of entries, so a page
  costs a page: with a common word PostgreSQL walks `ix_entry_event_at_id` backwards and stops
  once it has the page, with a rare one it takes the few matches from the GIN indexes and sorts
  them. Ranking every match to keep 20 (what "best match first" needed) grew with the matches.
- the caller's cases come in two parts, each bounded by the page: a manager's or an auditor's
  teams' cases by a join to the case's owning team, and the cases seen one by one (allocation,
  break-glass, a closed case one worked on) as `case_standings`, one row per case with the
  caller's detail rights, so the rules become column tests on each candidate. PostgreSQL counts
  each part well; it took the union of both for 200 cases whatever their number.
- the statement is planned for its words, on statistics that know the rare ones
  (migrations/workbook 0007): that is what chooses between the walk and the GIN indexes.
- `shared @@ q OR full @@ q` is there for the GIN indexes (a bitmap OR of the two); the CASE
  beside it is the exact rule.
"""

from __future__ import annotations

from datetime import datetime
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
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Subquery

from services.pagination import PageRequest
from services.principal import Principal
from workbook_api.access import visibility
from workbook_api.access.visibility import SYSTEM_ROLE, restricted_detail_visible, whole_team_ids
from workbook_api.cases.models import Case, Episode
from workbook_api.entries.models import ROLE_SUMMARY_TYPE, SESSION_TYPE, Entry, entry_table
from workbook_api.entries.repository import ENTRY_ORDER
from workbook_api.families.models import Family
from workbook_api.search.schemas import HIGHLIGHT_START, HIGHLIGHT_STOP

TEXT_SEARCH_CONFIG = "english"
# A constant, never user input: the text search configuration all vectors were built with.
REGCONFIG_ENGLISH: ColumnElement[Any] = literal_column(f"'{TEXT_SEARCH_CONFIG}'::regconfig")
HEADLINE_OPTIONS = (
    f"StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_STOP}, "
    'MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter=" \u2026 "'
)


# For this transaction (the request's) only. The words are a bound parameter: a generic plan
# takes every word for a rare one and gathers a common word's matches from the GIN indexes to
# sort them all; planned for these words, PostgreSQL weighs walking newest first against the
# index by the vectors' statistics (migrations/workbook 0007). Without parallel workers: an
# interactive search should not take three backends, and a parallel walk newest first was
# costed below a social worker's own cases' entries, then ran six times slower (350 ms).
PLAN_FOR_THESE_WORDS = text(
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
    " set_config('max_parallel_workers_per_gather', '0', true)"
)


def _matching(query: ColumnElement[Any], detail_ok: ColumnElement[bool]) -> ColumnElement[bool]:
    """The entry matches in the text the caller may read (and is one they may see at all)."""
    shared = entry_table.c.search_shared.op("@@")(query)
    full = entry_table.c.search_full.op("@@")(query)
    return and_(or_(shared, full), case((detail_ok, full), else_=shared))


def _states(principal: Principal) -> ColumnElement[bool]:
    """Final entries, and the caller's own drafts; withdrawn ones are never found."""
    return or_(
        Entry.status == "final",
        and_(Entry.status == "draft", Entry.author_id == principal.practitioner_id),
    )


def _by_team(
    principal: Principal, query: ColumnElement[Any], teams: frozenset[UUID] | None
) -> Select[UUID, datetime, bool]:
    """Matches in whole teams' cases (every case for `teams=None`, the system of record)."""
    rule = restricted_detail_visible(
        principal,
        case_id_col=Entry.case_id,
        author_id_col=Entry.author_id,
        discipline_col=Entry.discipline,
    )
    if teams is not None and principal.managed_team_ids:
        # Managers read every detail of their teams' cases: a column test before the subqueries.
        rule = or_(Case.owning_team_id.in_(principal.managed_team_ids), rule)
    detail_ok = or_(Entry.sensitivity == "standard", rule)
    found = select(Entry.id, Entry.event_at, detail_ok.label("detail_ok"))
    if teams is not None:
        found = found.join(Case, Case.id == Entry.case_id).where(Case.owning_team_id.in_(teams))
    return found.where(_states(principal), _matching(query, detail_ok))


def _case_by_case(principal: Principal, query: ColumnElement[Any]) -> Select[UUID, datetime, bool]:
    """Matches in the cases the caller sees one by one (allocation, break-glass, closed)."""
    # Looked up when called, like every rule in visibility.py, so that the access matrix's
    # self-test widens search with the rest (tests/access_matrix/test_matrix.py).
    standing = visibility.case_standings(principal).subquery("standing")
    detail_ok = or_(
        Entry.sensitivity == "standard",
        Entry.author_id == principal.practitioner_id,
        standing.c.all_detail,
        and_(standing.c.discipline_detail, Entry.discipline == principal.discipline),
    )
    return (
        select(Entry.id, Entry.event_at, detail_ok.label("detail_ok"))
        .join(standing, standing.c.case_id == Entry.case_id)
        .where(_states(principal), _matching(query, detail_ok))
    )


def _page_of_matches(
    principal: Principal, query: ColumnElement[Any], page: PageRequest, case_id: UUID | None
) -> Subquery:
    """One page (and one more) of matching entries' ids, newest first, with the detail right.

    Two parts, each bounded by the page on its own: the cases the caller sees by team (a
    manager's, an auditor's) and those seen one by one. Apart, PostgreSQL estimates each well
    (by the team's share of the cases, by the caller's allocations); as one join to the union
    of both it took a manager's 5,000 cases for 200 and looked up each case's entries.
    """
    parts: list[Select[UUID, datetime, bool]] = []
    if principal.has_role(SYSTEM_ROLE):
        parts.append(_by_team(principal, query, None))
    else:
        teams = whole_team_ids(principal)
        if teams:
            parts.append(_by_team(principal, query, teams))
        parts.append(_case_by_case(principal, query))
    if case_id is not None:
        parts = [part.where(Entry.case_id == case_id) for part in parts]
    if len(parts) == 1:
        return ENTRY_ORDER.apply(parts[0], page).subquery("hits")
    bounded = [select(ENTRY_ORDER.apply(part, page).subquery()) for part in parts]
    either = union_all(*bounded).subquery("either")
    return (
        select(either)
        .order_by(either.c.event_at.desc(), either.c.id.desc())
        .limit(page.limit + 1)
        .subquery("hits")
    )


def search_statement(
    principal: Principal, words: str, page: PageRequest, case_id: UUID | None
) -> Select[Any]:
    """Up to a page and one more hit rows, newest first, with snippets only from readable text."""
    query = func.websearch_to_tsquery(REGCONFIG_ENGLISH, words)
    hits = _page_of_matches(principal, query, page, case_id)
    # Ranked and highlighted on the page only, from the text the caller may read.
    readable = func.concat_ws(
        " ", Entry.shareable_summary, case((hits.c.detail_ok, Entry.narrative), else_=None)
    )
    vector = case((hits.c.detail_ok, entry_table.c.search_full), else_=entry_table.c.search_shared)
    kind = case(
        (Entry.entry_type == ROLE_SUMMARY_TYPE, "role_summary"),
        (Entry.entry_type == SESSION_TYPE, "session_log"),
        else_="entry",
    )
    return (
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
            (~hits.c.detail_ok).label("detail_withheld"),
            cast(func.ts_rank(vector, query), Float).label("rank"),
            func.ts_headline(REGCONFIG_ENGLISH, readable, query, HEADLINE_OPTIONS).label("snippet"),
        )
        .select_from(hits)
        .join(Entry, Entry.id == hits.c.id)
        .join(Episode, Episode.id == Entry.episode_id)
        .join(Case, Case.id == Entry.case_id)
        .join(Family, Family.id == Case.family_id)
        .order_by(hits.c.event_at.desc(), hits.c.id.desc())
    )


async def search_rows(
    session: AsyncSession,
    principal: Principal,
    words: str,
    page: PageRequest,
    *,
    case_id: UUID | None,
) -> list[Any]:
    """Run `search_statement`, planned for these words."""
    await session.execute(PLAN_FOR_THESE_WORDS)
    statement = search_statement(principal, words, page, case_id)
    return list((await session.execute(statement)).all())
