"""Entry queries with the access rules inside them, so no caller can fetch first and filter after.

- an entry exists only within a case the caller may see;
- a draft exists only for its author;
- a withdrawn entry exists only for its author, managers of the owning team and auditors;
- restricted detail (narrative, restricted structured fields) is selected through a CASE on the
  restricted-detail rule, so a caller without the right never receives it from the database.

Within one case the caller's standing is already known (`CaseAccess`), and the rules are plain
column tests; across cases (search/repository.py) the standing comes per case from
access/visibility.py's `case_standings` and the same tests follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, case, false, null, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from services.pagination import Keyset, PageRequest, aware_datetime, uuid_value
from services.principal import Principal
from workbook_api.access.repository import CaseAccess
from workbook_api.access.visibility import (
    AUDITOR_ROLE,
    case_visible,
    restricted_detail_visible,
)
from workbook_api.cases.models import Case, Episode
from workbook_api.entries.models import ROLE_SUMMARY_TYPE, SESSION_TYPE, Entry, EntryRevision


@dataclass(frozen=True)
class EntryTarget:
    """An entry the caller may change, the case it is in, and its episode's number."""

    access: CaseAccess
    entry: Entry
    episode_number: int


ENTRY_ORDER = Keyset((Entry.event_at, aware_datetime), (Entry.id, uuid_value))


def kind_filter(*, summary: bool) -> ColumnElement[bool]:
    """Restrict a query to role summaries, or to every other kind of entry."""
    if summary:
        return Entry.entry_type == ROLE_SUMMARY_TYPE
    return Entry.entry_type != ROLE_SUMMARY_TYPE


# Across cases (the change feed reads entries of every case the caller may see) ----------


def detail_visible(principal: Principal) -> ColumnElement[bool]:
    """True where the caller may read this entry's detail (standard entries, or the rule allows)."""
    return or_(
        Entry.sensitivity == "standard",
        restricted_detail_visible(
            principal,
            case_id_col=Entry.case_id,
            author_id_col=Entry.author_id,
            discipline_col=Entry.discipline,
        ),
    )


def may_see_withdrawn(principal: Principal) -> ColumnElement[bool]:
    """True where the caller may see the entry once it has been withdrawn."""
    if principal.has_role(AUDITOR_ROLE):
        return true()
    conditions: list[ColumnElement[bool]] = [Entry.author_id == principal.practitioner_id]
    if principal.managed_team_ids:
        conditions.append(
            Entry.case_id.in_(
                select(Case.id).where(Case.owning_team_id.in_(principal.managed_team_ids))
            )
        )
    return or_(false(), *conditions)


def entry_visible(principal: Principal, *, include_withdrawn: bool) -> ColumnElement[bool]:
    """The whole entry-level rule: visible case, drafts to their author, withdrawn as above."""
    states: list[ColumnElement[bool]] = [
        Entry.status == "final",
        and_(Entry.status == "draft", Entry.author_id == principal.practitioner_id),
    ]
    if include_withdrawn:
        states.append(and_(Entry.status == "withdrawn", may_see_withdrawn(principal)))
    return and_(case_visible(principal, Entry.case_id), or_(*states))


# Within one case ----------------------------------------------------------------------------


def entry_columns(visible: ColumnElement[bool]) -> list[Any]:
    """The columns of an entry view; restricted detail only where `visible` holds."""
    return [
        Entry.id,
        Entry.case_id,
        Entry.episode_id,
        Episode.number.label("episode_number"),
        Entry.entry_type,
        Entry.status,
        Entry.author_id,
        Entry.author_name,
        Entry.discipline,
        Entry.event_at,
        Entry.recorded_at,
        Entry.finalised_at,
        Entry.updated_at,
        Entry.significant,
        Entry.sensitivity,
        (Entry.sensitivity == "restricted").label("restricted"),
        (~visible).label("detail_withheld"),
        Entry.person_ids,
        case((visible, Entry.narrative), else_=null()).label("narrative"),
        Entry.shareable_summary,
        Entry.fields,
        case((visible, Entry.restricted_fields), else_=null()).label("restricted_fields"),
        Entry.config_version,
        Entry.revision,
        Entry.withdrawn_at,
        Entry.withdrawn_by_name,
        Entry.withdrawn_reason,
        Entry.version,
    ]


def select_entries(access: CaseAccess, *, include_withdrawn: bool) -> Select[Any]:
    """A query of the case's entry views the caller may see; callers add filters and order."""
    return (
        select(*entry_columns(access.detail_visible()))
        .join(Episode, Episode.id == Entry.episode_id)
        .where(access.entry_visible(include_withdrawn=include_withdrawn))
    )


def select_revisions(access: CaseAccess, entry_id: UUID) -> Select[Any]:
    """An entry's revisions, oldest first, with the restricted-detail rule per revision.

    A revision's detail is withheld if it, or the entry now, is restricted: marking an entry
    restricted after the fact must also protect what the earlier revisions said.
    """
    visible = or_(
        and_(EntryRevision.sensitivity == "standard", Entry.sensitivity == "standard"),
        access.restricted_detail_allowed(),
    )
    return (
        select(
            EntryRevision.revision,
            EntryRevision.entry_type,
            EntryRevision.event_at,
            EntryRevision.significant,
            EntryRevision.sensitivity,
            (EntryRevision.sensitivity == "restricted").label("restricted"),
            (~visible).label("detail_withheld"),
            EntryRevision.person_ids,
            case((visible, EntryRevision.narrative), else_=null()).label("narrative"),
            EntryRevision.shareable_summary,
            EntryRevision.fields,
            case((visible, EntryRevision.restricted_fields), else_=null()).label(
                "restricted_fields"
            ),
            EntryRevision.config_version,
            EntryRevision.reason,
            EntryRevision.recorded_by_id,
            EntryRevision.recorded_by_name,
            EntryRevision.recorded_at,
        )
        .join(Entry, Entry.id == EntryRevision.entry_id)
        .where(EntryRevision.entry_id == entry_id)
        .order_by(EntryRevision.revision)
    )


async def find_entry_view(
    session: AsyncSession,
    access: CaseAccess,
    entry_id: UUID,
    *,
    summary: bool,
    session_log: bool = False,
) -> Any | None:
    """One of the case's entries as the caller may see it (a row), or None."""
    query = select_entries(access, include_withdrawn=True).where(
        Entry.id == entry_id, kind_filter(summary=summary)
    )
    if session_log:
        query = query.where(Entry.entry_type == SESSION_TYPE)
    return (await session.execute(query)).one_or_none()


async def revision_rows(session: AsyncSession, access: CaseAccess, entry_id: UUID) -> list[Any]:
    """The revision rows of an entry the caller may see."""
    return list((await session.execute(select_revisions(access, entry_id))).all())


async def list_entry_rows(
    session: AsyncSession,
    access: CaseAccess,
    page: PageRequest,
    *,
    filters: list[ColumnElement[bool]],
    include_withdrawn: bool,
) -> tuple[list[Any], str | None]:
    """A keyset page of the case's entry rows, newest event first."""
    query = select_entries(access, include_withdrawn=include_withdrawn).where(*filters)
    rows = (await session.execute(ENTRY_ORDER.apply(query, page))).all()
    return ENTRY_ORDER.page(rows, page, lambda row: (row.event_at, row.id))


async def load_entry_for_change(
    session: AsyncSession, access: CaseAccess, entry_id: UUID, *, summary: bool
) -> EntryTarget | None:
    """An entry of the case the caller may see, as an ORM object with its episode's number."""
    row = (
        await session.execute(
            select(Entry, Episode.number)
            .join(Episode, Episode.id == Entry.episode_id)
            .where(
                Entry.id == entry_id,
                kind_filter(summary=summary),
                access.entry_visible(include_withdrawn=True),
            )
        )
    ).one_or_none()
    if row is None:
        return None
    entry, number = row
    return EntryTarget(access, entry, number)
