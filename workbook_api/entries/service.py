"""The lifecycle of a workbook entry: draft, final, amended, withdrawn; never deleted.

Records, MDT session logs and role summaries all follow it. Writes load the entry through the
same access rule as reads, then check the caller's right to the change; responses are read back
through the restricted-detail rule in SQL (repository.py), never built from the loaded row.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import Forbidden, NotFound, ProblemError
from services.pagination import split_page
from services.principal import Principal
from workbook_api.access.visibility import allocation_current
from workbook_api.cases.models import Allocation, Case, Episode
from workbook_api.disciplines.config import RecordingConfig
from workbook_api.disciplines.service import merge_fields, validate_session_fields
from workbook_api.entries import events
from workbook_api.entries.models import ROLE_SUMMARY_TYPE, SESSION_TYPE, Entry, EntryRevision
from workbook_api.entries.repository import (
    entry_visible,
    select_entries,
    select_revisions,
    view_from_row,
)
from workbook_api.entries.schemas import EntryContent
from workbook_api.families.models import Person

# Clocks on phones drift; an event a few minutes "in the future" is a clock, not a prophecy.
EVENT_TIME_SKEW = timedelta(minutes=5)
ADULT_ROLES = frozenset({"parent", "carer", "partner", "other_adult"})
_NOT_NULL = ("event_at", "person_ids", "significant", "sensitivity")


class EntryNotFound(NotFound):
    """No such entry for this caller: missing, a draft of someone else's, or not permitted."""

    def __init__(self, what: str = "entry") -> None:
        super().__init__(what)


def invalid(field: str, message: str, code: str = "invalid") -> ProblemError:
    """A 422 naming the body member at fault, in the kernel's validation shape."""
    return ProblemError(
        422,
        "validation",
        "The request is not valid; see errors.",
        errors=[{"location": ["body", field], "message": message, "code": code}],
    )


def conflict(slug: str, detail: str) -> ProblemError:
    """A 409 for a change the entry's state does not allow."""
    return ProblemError(409, slug, detail)


def manages(principal: Principal, case: Case) -> bool:
    """Tell whether the principal manages the team that owns the case."""
    return case.owning_team_id in principal.managed_team_ids


async def is_allocated(session: AsyncSession, principal: Principal, case_id: UUID) -> bool:
    """Tell whether the principal holds a current allocation on the case."""
    found = await session.scalar(
        select(Allocation.id)
        .where(
            Allocation.case_id == case_id,
            Allocation.practitioner_id == principal.practitioner_id,
            allocation_current(),
        )
        .limit(1)
    )
    return found is not None


async def require_recorder(session: AsyncSession, principal: Principal, case: Case) -> None:
    """Only the case's current workers and its managers write; break-glass is for reading."""
    if case.status != "open":
        raise conflict("case-closed", "The case is closed; its workbook is read-only.")
    if manages(principal, case) or await is_allocated(session, principal, case.id):
        return
    raise Forbidden("Only workers allocated to the case and its managers record in its workbook.")


async def current_episode(session: AsyncSession, case_id: UUID) -> Episode:
    """The case's open episode; a case without one cannot be recorded in."""
    episode = await session.scalar(
        select(Episode).where(Episode.case_id == case_id, Episode.closed_at.is_(None))
    )
    if episode is None:
        raise conflict("no-open-episode", "The case has no open workbook episode.")
    return episode


def check_event_time(event_at: datetime, now: datetime) -> datetime:
    """Refuse an event time in the future beyond clock skew."""
    if event_at > now + EVENT_TIME_SKEW:
        raise invalid("event_at", "must not be in the future", "future")
    return event_at.astimezone(UTC)


async def check_people(
    session: AsyncSession, case: Case, person_ids: Sequence[UUID], *, need_adult: bool
) -> list[UUID]:
    """Keep the people in order without repeats; every one must belong to the case's family."""
    unique = list(dict.fromkeys(person_ids))
    if not unique:
        if need_adult:
            raise invalid("person_ids", "a session log is with at least one adult", "adult")
        return unique
    rows = (
        await session.execute(
            select(Person.id, Person.role).where(
                Person.id.in_(unique), Person.family_id == case.family_id
            )
        )
    ).all()
    roles = {row.id: row.role for row in rows}
    missing = [str(pid) for pid in unique if pid not in roles]
    if missing:
        raise invalid(
            "person_ids",
            f"not members of this case's family: {', '.join(missing)}",
            "not_family_member",
        )
    if need_adult and not ADULT_ROLES.intersection(roles.values()):
        raise invalid("person_ids", "a session log is with at least one adult", "adult")
    return unique


async def apply_content(
    session: AsyncSession,
    config: RecordingConfig,
    case: Case,
    entry: Entry,
    content: EntryContent,
    now: datetime,
) -> list[str]:
    """Apply the members the client sent; return their names for the audit record."""
    given = content.model_fields_set
    for name in _NOT_NULL:
        if name in given and getattr(content, name) is None:
            raise invalid(name, "must not be null", "null")
    if content.event_at is not None:
        entry.event_at = check_event_time(content.event_at, now)
    if content.person_ids is not None:
        entry.person_ids = await check_people(
            session, case, content.person_ids, need_adult=entry.entry_type == SESSION_TYPE
        )
    if content.significant is not None:
        entry.significant = content.significant
    if content.sensitivity is not None:
        entry.sensitivity = content.sensitivity
    if "narrative" in given:
        entry.narrative = content.narrative
    if "shareable_summary" in given:
        entry.shareable_summary = content.shareable_summary
    if "fields" in given:
        if entry.entry_type != SESSION_TYPE:
            raise invalid("fields", "only MDT session logs carry structured fields", "not_session")
        split = validate_session_fields(
            config, entry.discipline, content.fields or {}, complete=False
        )
        entry.fields, entry.restricted_fields = split.shared, split.restricted
        entry.config_version = config.version
    if entry.restricted_fields and entry.sensitivity == "standard":
        if content.sensitivity == "standard":
            raise invalid(
                "sensitivity", "restricted session fields need a restricted entry", "restricted"
            )
        # Promoting is the safe direction: it only ever hides more.
        entry.sensitivity = "restricted"
    return sorted(given)


def check_complete(config: RecordingConfig, entry: Entry) -> None:
    """What a final entry must have: detail, a summary when restricted, required fields."""
    if entry.entry_type == SESSION_TYPE:
        split = validate_session_fields(
            config,
            entry.discipline,
            merge_fields(entry.fields, entry.restricted_fields),
            complete=True,
        )
        # Re-split against today's configuration: a field it now restricts must move.
        entry.fields, entry.restricted_fields = split.shared, split.restricted
        entry.config_version = config.version
        if entry.restricted_fields and entry.sensitivity == "standard":
            entry.sensitivity = "restricted"
    elif not entry.narrative:
        raise invalid("narrative", "is required before the entry is final", "missing")
    if entry.sensitivity == "restricted" and not entry.shareable_summary:
        raise invalid("shareable_summary", "restricted detail needs a shareable summary", "missing")


def snapshot_revision(
    entry: Entry,
    *,
    reason: str | None,
    recorded_by_id: uuid.UUID,
    recorded_by_name: str,
    recorded_at: datetime,
) -> EntryRevision:
    """The history row for the entry's current values (its `revision` number)."""
    return EntryRevision(
        id=uuid.uuid4(),
        entry_id=entry.id,
        revision=entry.revision,
        entry_type=entry.entry_type,
        event_at=entry.event_at,
        significant=entry.significant,
        sensitivity=entry.sensitivity,
        person_ids=list(entry.person_ids),
        narrative=entry.narrative,
        shareable_summary=entry.shareable_summary,
        fields=entry.fields,
        restricted_fields=entry.restricted_fields,
        config_version=entry.config_version,
        reason=reason,
        recorded_by_id=recorded_by_id,
        recorded_by_name=recorded_by_name,
        recorded_at=recorded_at,
    )


def _revision(
    entry: Entry, principal: Principal, reason: str | None, now: datetime
) -> EntryRevision:
    return snapshot_revision(
        entry,
        reason=reason,
        recorded_by_id=principal.practitioner_id,
        recorded_by_name=principal.display_name,
        recorded_at=now,
    )


def new_entry(
    principal: Principal,
    config: RecordingConfig,
    case: Case,
    episode: Episode,
    entry_type: str,
    now: datetime,
) -> Entry:
    """A blank draft by the principal, in their discipline's chapter and the current episode."""
    return Entry(
        id=uuid.uuid4(),
        case_id=case.id,
        episode_id=episode.id,
        entry_type=entry_type,
        status="draft",
        author_id=principal.practitioner_id,
        author_name=principal.display_name,
        discipline=principal.discipline,
        event_at=now,
        recorded_at=now,
        updated_at=now,
        significant=False,
        sensitivity="standard",
        person_ids=[],
        fields={} if entry_type == SESSION_TYPE else None,
        config_version=config.version if entry_type == SESSION_TYPE else None,
        revision=0,
    )


async def create_entry(
    session: AsyncSession,
    principal: Principal,
    config: RecordingConfig,
    case: Case,
    *,
    entry_type: str,
    content: EntryContent,
    finalise: bool,
) -> tuple[Entry, list[str]]:
    """Record a new entry as a draft, or straight to final when asked."""
    if entry_type not in config.entry_type_codes():
        raise invalid("entry_type", "is not a configured entry type", "entry_type")
    if entry_type == SESSION_TYPE and config.session_fields(principal.discipline) is None:
        raise Forbidden("Your discipline has no MDT session log configuration.")
    await require_recorder(session, principal, case)
    now = datetime.now(UTC)
    episode = await current_episode(session, case.id)
    entry = new_entry(principal, config, case, episode, entry_type, now)
    if entry_type == SESSION_TYPE and "person_ids" not in content.model_fields_set:
        raise invalid("person_ids", "a session log is with at least one adult", "adult")
    given = await apply_content(session, config, case, entry, content, now)
    session.add(entry)
    if finalise:
        await finalise_entry(session, principal, config, case, entry, now=now)
    else:
        await session.flush()
    return entry, given


def kind_filter(*, summary: bool) -> ColumnElement[bool]:
    """Restrict a query to role summaries, or to every other kind of entry."""
    if summary:
        return Entry.entry_type == ROLE_SUMMARY_TYPE
    return Entry.entry_type != ROLE_SUMMARY_TYPE


async def load_entry_for_change(
    session: AsyncSession, principal: Principal, case: Case, entry_id: UUID, *, summary: bool
) -> Entry:
    """Load an entry the principal may see (as an ORM object, for writing) or raise 404."""
    entry = await session.scalar(
        select(Entry).where(
            Entry.id == entry_id,
            Entry.case_id == case.id,
            kind_filter(summary=summary),
            entry_visible(principal, include_withdrawn=True),
        )
    )
    if entry is None:
        raise EntryNotFound("summary" if summary else "entry")
    return entry


def require_author(principal: Principal, entry: Entry) -> None:
    """Drafts are their author's alone."""
    if entry.author_id != principal.practitioner_id:
        raise Forbidden("Only the author may change this.")


def require_author_or_manager(principal: Principal, case: Case, entry: Entry) -> None:
    """Final entries are corrected or withdrawn by their author or the team manager."""
    if entry.author_id != principal.practitioner_id and not manages(principal, case):
        raise Forbidden("Only the author or the team manager may correct this entry.")


async def update_draft(
    session: AsyncSession,
    principal: Principal,
    config: RecordingConfig,
    case: Case,
    entry: Entry,
    changes: EntryContent,
) -> list[str]:
    """Change a draft in place (its author only); final entries are amended instead."""
    require_author(principal, entry)
    if entry.status != "draft":
        raise conflict("not-draft", "Only drafts change in place; amend a final entry.")
    if case.status != "open":
        raise conflict("case-closed", "The case is closed; its workbook is read-only.")
    now = datetime.now(UTC)
    given = await apply_content(session, config, case, entry, changes, now)
    entry.updated_at = now
    await session.flush()
    return given


async def finalise_entry(
    session: AsyncSession,
    principal: Principal,
    config: RecordingConfig,
    case: Case,
    entry: Entry,
    *,
    now: datetime | None = None,
) -> None:
    """Make a draft final: it becomes revision 1, visible to the team, and is announced."""
    require_author(principal, entry)
    if entry.status != "draft":
        raise conflict("not-draft", "The entry is already final.")
    if case.status != "open":
        raise conflict("case-closed", "The case is closed; its workbook is read-only.")
    now = now or datetime.now(UTC)
    check_complete(config, entry)
    entry.status = "final"
    entry.finalised_at = now
    entry.updated_at = now
    entry.revision = 1
    if entry.entry_type == ROLE_SUMMARY_TYPE:
        entry.event_at = now
    # Flush the guarded UPDATE before the revision INSERT: a stale ETag must surface as 412.
    await session.flush()
    session.add(_revision(entry, principal, None, now))
    await session.flush()
    kind = events.SUMMARY_WRITTEN if entry.entry_type == ROLE_SUMMARY_TYPE else events.FINALISED
    await events.publish_entry_event(session, kind, entry, case)


async def amend_entry(
    session: AsyncSession,
    principal: Principal,
    config: RecordingConfig,
    case: Case,
    entry: Entry,
    amendment: EntryContent,
    reason: str,
) -> list[str]:
    """Correct a final entry by appending a revision with the reason; history is kept."""
    require_author_or_manager(principal, case, entry)
    if entry.status == "draft":
        raise conflict("not-final", "Drafts are edited, not amended.")
    if entry.status == "withdrawn":
        raise conflict("withdrawn", "A withdrawn entry cannot be amended.")
    if not amendment.model_fields_set:
        raise invalid("reason", "an amendment must change something", "no_change")
    now = datetime.now(UTC)
    given = await apply_content(session, config, case, entry, amendment, now)
    check_complete(config, entry)
    entry.revision += 1
    entry.updated_at = now
    await session.flush()
    session.add(_revision(entry, principal, reason, now))
    await session.flush()
    kind = events.SUMMARY_AMENDED if entry.entry_type == ROLE_SUMMARY_TYPE else events.AMENDED
    await events.publish_entry_event(session, kind, entry, case)
    return given


async def withdraw_entry(
    session: AsyncSession, principal: Principal, case: Case, entry: Entry, reason: str
) -> None:
    """Mark a final entry as entered in error; it stays on record for those who may see it."""
    require_author_or_manager(principal, case, entry)
    if entry.status == "draft":
        raise conflict("not-final", "Only final entries are withdrawn; a draft stays private.")
    if entry.status == "withdrawn":
        raise conflict("withdrawn", "The entry is already withdrawn.")
    now = datetime.now(UTC)
    entry.status = "withdrawn"
    entry.withdrawn_at = now
    entry.withdrawn_by_id = principal.practitioner_id
    entry.withdrawn_by_name = principal.display_name
    entry.withdrawn_reason = reason
    entry.updated_at = now
    await session.flush()
    await events.publish_entry_event(session, events.WITHDRAWN, entry, case)


async def get_entry_view(
    session: AsyncSession,
    principal: Principal,
    case_id: UUID,
    entry_id: UUID,
    *,
    summary: bool,
    session_log: bool = False,
    include_revisions: bool = False,
) -> dict[str, Any]:
    """Read one entry as the caller may see it, optionally with its revision history."""
    query = select_entries(principal, include_withdrawn=True).where(
        Entry.id == entry_id, Entry.case_id == case_id, kind_filter(summary=summary)
    )
    if session_log:
        query = query.where(Entry.entry_type == SESSION_TYPE)
    row = (await session.execute(query)).one_or_none()
    if row is None:
        raise EntryNotFound("summary" if summary else "session log" if session_log else "entry")
    view = view_from_row(row)
    if include_revisions:
        revisions = await session.execute(
            select_revisions(principal, entry_id).where(
                entry_visible(principal, include_withdrawn=True)
            )
        )
        view["revisions"] = [dict(r._mapping) for r in revisions]
    return view


async def list_entry_views(
    session: AsyncSession,
    principal: Principal,
    case_id: UUID,
    *,
    limit: int,
    after: tuple[Any, ...] | None,
    filters: Sequence[ColumnElement[bool]],
    include_withdrawn: bool,
) -> tuple[list[dict[str, Any]], str | None]:
    """A keyset page of a case's entries, newest event first."""
    query = select_entries(principal, include_withdrawn=include_withdrawn).where(
        Entry.case_id == case_id, *filters
    )
    if after is not None:
        query = query.where(tuple_(Entry.event_at, Entry.id) < tuple_(*after))
    rows = (
        await session.execute(
            query.order_by(Entry.event_at.desc(), Entry.id.desc()).limit(limit + 1)
        )
    ).all()
    items, next_cursor = split_page(rows, limit, lambda r: (r.event_at.isoformat(), r.id))
    return [view_from_row(r) for r in items], next_cursor
