"""The lifecycle of a workbook entry: draft, final, amended, withdrawn; never deleted.

Records, MDT session logs and role summaries all follow it. The dependencies that load an entry
(entries/dependencies.py) have already checked the caller's right to the change; these
functions apply the lifecycle's rules and the recording configuration. Responses are read back
through the restricted-detail rule in SQL (repository.py), except what a writer just wrote: a
writer is its author or the team manager, who may read all of it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import Forbidden, NotFound, ProblemError, invalid
from services.pagination import PageRequest
from services.principal import Principal
from workbook_api.access.repository import CaseAccess
from workbook_api.cases.models import Case, Episode
from workbook_api.disciplines.config import RecordingConfig
from workbook_api.entries import events, repository
from workbook_api.entries.content import apply_content, check_complete
from workbook_api.entries.models import ROLE_SUMMARY_TYPE, SESSION_TYPE, Entry, EntryRevision
from workbook_api.entries.repository import EntryTarget
from workbook_api.entries.schemas import EntryContent, EntryOut, EntryRevisionOut


def conflict(slug: str, detail: str) -> ProblemError:
    """A 409 for a change the entry's state does not allow."""
    return ProblemError(409, slug, detail)


def case_closed() -> ProblemError:
    """The closed case's workbook takes no more changes."""
    return conflict("case-closed", "The case is closed; its workbook is read-only.")


def require_open_episode(access: CaseAccess) -> Episode:
    """The case's open episode; a case without one cannot be recorded in."""
    if access.open_episode is None:
        raise conflict("no-open-episode", "The case has no open workbook episode.")
    return access.open_episode


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
    *,
    entry_id: UUID | None = None,
) -> Entry:
    """A blank draft by the principal, in their discipline's chapter and the current episode."""
    return Entry(
        # A device recording offline names its entries itself (workbook_api/sync/).
        id=entry_id or uuid.uuid4(),
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


async def start_entry(
    session: AsyncSession,
    config: RecordingConfig,
    access: CaseAccess,
    episode: Episode,
    entry_type: str,
    content: EntryContent,
    *,
    finalise: bool,
    entry_id: UUID | None = None,
) -> tuple[Entry, list[str]]:
    """Record a new entry of any kind in `episode`: a draft, or final at once when asked."""
    principal = access.principal
    now = await transaction_now(session)
    entry = new_entry(principal, config, access.case, episode, entry_type, now, entry_id=entry_id)
    given = await apply_content(session, config, access.case, entry, content, now)
    if finalise:
        check_complete(config, entry)
        _make_final(entry, now)
        # One flush inserts the entry and its first revision together.
        session.add_all([entry, _revision(entry, principal, None, now)])
        await session.flush()
        await _announce_final(session, entry, access.case)
    else:
        session.add(entry)
        await session.flush()
    return entry, given


async def create_entry(
    session: AsyncSession,
    config: RecordingConfig,
    access: CaseAccess,
    *,
    entry_type: str,
    content: EntryContent,
    finalise: bool,
    entry_id: UUID | None = None,
) -> tuple[Entry, list[str]]:
    """Record a new entry or session log in the case's open episode."""
    if entry_type not in config.entry_type_codes():
        raise invalid(
            "body", "entry_type", message="is not a configured entry type", code="entry_type"
        )
    if entry_type == SESSION_TYPE and config.session_fields(access.principal.discipline) is None:
        raise Forbidden("Your discipline has no MDT session log configuration.")
    if entry_type == SESSION_TYPE and "person_ids" not in content.model_fields_set:
        raise invalid(
            "body", "person_ids", message="a session log is with at least one adult", code="adult"
        )
    episode = require_open_episode(access)
    return await start_entry(
        session, config, access, episode, entry_type, content, finalise=finalise, entry_id=entry_id
    )


async def update_draft(
    session: AsyncSession, config: RecordingConfig, target: EntryTarget, changes: EntryContent
) -> list[str]:
    """Change a draft in place (its author's); final entries are amended instead."""
    entry, case = target.entry, target.access.case
    if entry.status != "draft":
        raise conflict("not-draft", "Only drafts change in place; amend a final entry.")
    if case.status != "open":
        raise case_closed()
    now = await transaction_now(session)
    given = await apply_content(session, config, case, entry, changes, now)
    entry.updated_at = now
    await session.flush()
    return given


def _make_final(entry: Entry, now: datetime) -> None:
    entry.status = "final"
    entry.finalised_at = now
    entry.updated_at = now
    entry.revision = 1
    if entry.entry_type == ROLE_SUMMARY_TYPE:
        entry.event_at = now


async def _announce_final(session: AsyncSession, entry: Entry, case: Case) -> None:
    kind = events.SUMMARY_WRITTEN if entry.entry_type == ROLE_SUMMARY_TYPE else events.FINALISED
    await events.publish_entry_event(session, kind, entry, case)


async def finalise_entry(
    session: AsyncSession, config: RecordingConfig, target: EntryTarget
) -> None:
    """Make a draft final: it becomes revision 1, visible to the team, and is announced."""
    entry, case = target.entry, target.access.case
    if entry.status != "draft":
        raise conflict("not-draft", "The entry is already final.")
    if case.status != "open":
        raise case_closed()
    now = await transaction_now(session)
    check_complete(config, entry)
    _make_final(entry, now)
    # Flush the guarded UPDATE before the revision INSERT: a stale ETag must surface as 412.
    await session.flush()
    session.add(_revision(entry, target.access.principal, None, now))
    await session.flush()
    await _announce_final(session, entry, case)


async def amend_entry(
    session: AsyncSession,
    config: RecordingConfig,
    target: EntryTarget,
    amendment: EntryContent,
    reason: str,
) -> list[str]:
    """Correct a final entry by appending a revision with the reason; history is kept."""
    entry, case = target.entry, target.access.case
    if entry.status == "draft":
        raise conflict("not-final", "Drafts are edited, not amended.")
    if entry.status == "withdrawn":
        raise conflict("withdrawn", "A withdrawn entry cannot be amended.")
    if not amendment.model_fields_set:
        raise invalid(
            "body", "reason", message="an amendment must change something", code="no_change"
        )
    now = await transaction_now(session)
    given = await apply_content(session, config, case, entry, amendment, now)
    check_complete(config, entry)
    entry.revision += 1
    entry.updated_at = now
    await session.flush()
    session.add(_revision(entry, target.access.principal, reason, now))
    await session.flush()
    kind = events.SUMMARY_AMENDED if entry.entry_type == ROLE_SUMMARY_TYPE else events.AMENDED
    await events.publish_entry_event(session, kind, entry, case)
    return given


async def withdraw_entry(session: AsyncSession, target: EntryTarget, reason: str) -> None:
    """Mark a final entry as entered in error; it stays on record for those who may see it."""
    entry, principal = target.entry, target.access.principal
    if entry.status == "draft":
        raise conflict("not-final", "Only final entries are withdrawn; a draft stays private.")
    if entry.status == "withdrawn":
        raise conflict("withdrawn", "The entry is already withdrawn.")
    now = await transaction_now(session)
    entry.status = "withdrawn"
    entry.withdrawn_at = now
    entry.withdrawn_by_id = principal.practitioner_id
    entry.withdrawn_by_name = principal.display_name
    entry.withdrawn_reason = reason
    entry.updated_at = now
    await session.flush()
    await events.publish_entry_event(session, events.WITHDRAWN, entry, target.access.case)


def written_view(entry: Entry, episode_number: int) -> EntryOut:
    """What its writer (its author or the team manager) sees of an entry they just changed."""
    return EntryOut.of(entry, episode_number=episode_number)


async def get_entry_view(
    session: AsyncSession,
    access: CaseAccess,
    entry_id: UUID,
    *,
    summary: bool,
    session_log: bool = False,
    include_revisions: bool = False,
) -> EntryOut:
    """Read one of the case's entries as the caller may see it, with its history on request."""
    row = await repository.find_entry_view(
        session, access, entry_id, summary=summary, session_log=session_log
    )
    if row is None:
        raise NotFound("summary" if summary else "session log" if session_log else "entry")
    view = EntryOut.of(row)
    if include_revisions:
        rows = await repository.revision_rows(session, access, entry_id)
        view.revisions = [EntryRevisionOut.of(r) for r in rows]
    return view


@dataclass(frozen=True)
class EntryFilter:
    """What a list of entries asks for; every member left None matches everything."""

    kind: Literal["entries", "session_logs", "summaries"] = "entries"
    entry_type: str | None = None
    status: str | None = None
    significant: bool | None = None
    discipline: str | None = None
    author_id: UUID | None = None
    person_id: UUID | None = None
    episode_number: int | None = None
    episode_id: UUID | None = None
    include_withdrawn: bool = False

    def clauses(self) -> list[ColumnElement[bool]]:
        """The filter as SQL conditions on Entry (and its Episode)."""
        clauses = [
            Entry.entry_type == SESSION_TYPE
            if self.kind == "session_logs"
            else repository.kind_filter(summary=self.kind == "summaries")
        ]
        for column, value in (
            (Entry.entry_type, self.entry_type),
            (Entry.status, self.status),
            (Entry.discipline, self.discipline),
            (Entry.author_id, self.author_id),
            (Episode.number, self.episode_number),
            (Entry.episode_id, self.episode_id),
        ):
            if value is not None:
                clauses.append(column == value)
        if self.significant is not None:
            clauses.append(Entry.significant.is_(self.significant))
        if self.person_id is not None:
            clauses.append(Entry.person_ids.contains([self.person_id]))
        return clauses

    @property
    def with_withdrawn(self) -> bool:
        """Withdrawn entries are listed when asked for, or when the status asked is withdrawn."""
        return self.include_withdrawn or self.status == "withdrawn"


async def list_entry_views(
    session: AsyncSession, access: CaseAccess, page: PageRequest, wanted: EntryFilter
) -> tuple[list[EntryOut], str | None]:
    """A keyset page of the case's entries as the caller may see them, newest event first."""
    rows, next_cursor = await repository.list_entry_rows(
        session,
        access,
        page,
        filters=wanted.clauses(),
        include_withdrawn=wanted.with_withdrawn,
    )
    return [EntryOut.of(row) for row in rows], next_cursor
