"""Entry queries with the access rules inside them, so no caller can fetch first and filter after.

- an entry exists only within a case the caller may see;
- a draft exists only for its author;
- a withdrawn entry exists only for its author, managers of the owning team and auditors;
- restricted detail (narrative, restricted structured fields) is selected through a CASE on
  `restricted_detail_visible`, so a caller without the right never receives it from the database.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    null,
    or_,
    select,
    true,
)

from services.concurrency import etag_for
from services.principal import Principal
from workbook_api.access.visibility import case_visible, restricted_detail_visible
from workbook_api.cases.models import Case, Episode
from workbook_api.entries.models import Entry, EntryRevision

AUDITOR_ROLE = "auditor"


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


def entry_columns(principal: Principal) -> list[Any]:
    """The columns of an entry view; restricted detail only where the caller may read it."""
    visible = detail_visible(principal)
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


def select_entries(principal: Principal, *, include_withdrawn: bool) -> Select[Any]:
    """A query of entry views the caller may see; callers add their own filters and order."""
    return (
        select(*entry_columns(principal))
        .join(Episode, Episode.id == Entry.episode_id)
        .where(entry_visible(principal, include_withdrawn=include_withdrawn))
    )


def view_from_row(row: Any) -> dict[str, Any]:
    """Turn a selected row into the response mapping, with its ETag."""
    mapping = dict(row._mapping)
    mapping["etag"] = etag_for(mapping["id"], mapping.pop("version"))
    return mapping


def select_revisions(principal: Principal, entry_id: UUID) -> Select[Any]:
    """An entry's revisions, oldest first, with the same restriction rule per revision.

    A revision's detail is withheld if it, or the entry now, is restricted: marking an entry
    restricted after the fact must also protect what the earlier revisions said.
    """
    rule = restricted_detail_visible(
        principal,
        case_id_col=Entry.case_id,
        author_id_col=Entry.author_id,
        discipline_col=Entry.discipline,
    )
    visible = or_(
        and_(EntryRevision.sensitivity == "standard", Entry.sensitivity == "standard"), rule
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
