"""HTTP endpoints for workbook entries: record, read, list, edit, finalise, amend, withdraw."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import Query, Response

from services.auditing import Audit, AuditNote, audited
from services.errors import raises
from services.pagination import Page, PageQuery
from services.routing import kit_router
from services.unit_of_work import DbSession
from workbook_api.access.dependencies import ReadableCase, RecordingCase
from workbook_api.access.repository import CaseAccess
from workbook_api.disciplines.config import RecordingConfig
from workbook_api.disciplines.dependencies import RecordingConfigDep
from workbook_api.entries import service
from workbook_api.entries.dependencies import AuthorsEntry, CorrectableEntry, EntryId
from workbook_api.entries.schemas import (
    EntryAmendment,
    EntryContent,
    EntryCreate,
    EntryDraftUpdate,
    EntryOut,
    EntryStatus,
    EntryWithdrawal,
    SessionLogCreate,
)

router = kit_router(tags=["entries"])

# Entry types and disciplines are lower-case codes; anything else cannot match.
CODE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


def entry_location(case_id: UUID, entry_id: UUID) -> str:
    """The entry's path as this service mounts it (the gateway adds its prefix)."""
    return f"/cases/{case_id}/entries/{entry_id}"


def respond(response: Response, view: EntryOut) -> EntryOut:
    """Send an entry with its ETag."""
    response.headers["ETag"] = view.etag
    return view


def content_of(body: EntryContent) -> EntryContent:
    """Only the content members of a body, keeping which ones the client actually sent."""
    return body.content()


async def record(
    body: EntryCreate | SessionLogCreate,
    entry_type: str,
    access: CaseAccess,
    response: Response,
    session: DbSession,
    config: RecordingConfig,
    note: AuditNote,
) -> EntryOut:
    """Record an entry or a session log and answer with it (both creating endpoints)."""
    entry, given = await service.create_entry(
        session,
        config,
        access,
        entry_type=entry_type,
        content=content_of(body),
        finalise=body.finalise,
    )
    note.resource_id = str(entry.id)
    note.details.update(entry_type=entry.entry_type, status=entry.status, fields=given)
    response.headers["Location"] = entry_location(access.case.id, entry.id)
    assert access.open_episode is not None  # create_entry refused a case without one
    return respond(response, service.written_view(entry, access.open_episode.number))


@router.post("/cases/{case_id}/entries", status_code=201, summary="Record an entry")
@audited("create", "entry", resource="")
@raises(403, 409)
async def create_entry(
    body: EntryCreate,
    access: RecordingCase,
    response: Response,
    session: DbSession,
    config: RecordingConfigDep,
    note: Audit,
) -> EntryOut:
    """Record an entry in the case's workbook: a private draft, or final when `finalise` is set."""
    return await record(body, body.entry_type, access, response, session, config, note)


@router.get("/cases/{case_id}/entries", summary="List a case's entries")
@audited("list", "entry", resource="")
async def list_entries(
    access: ReadableCase,
    session: DbSession,
    page: PageQuery,
    note: Audit,
    entry_type: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    status: Annotated[
        EntryStatus | None, Query(description="Drafts are only ever your own")
    ] = None,
    significant: bool | None = None,
    discipline: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    author_id: UUID | None = None,
    # Episode numbers are PostgreSQL integers: a larger one names no episode and cannot be sent.
    episode: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Episode number")] = None,
    include_withdrawn: Annotated[
        bool, Query(description="Also entries withdrawn as entered in error, where permitted")
    ] = False,
) -> Page[EntryOut]:
    """List the case's entries the caller may see, newest event first."""
    wanted = service.EntryFilter(
        entry_type=entry_type,
        status=status,
        significant=significant,
        discipline=discipline,
        author_id=author_id,
        episode_number=episode,
        include_withdrawn=include_withdrawn,
    )
    items, next_cursor = await service.list_entry_views(session, access, page, wanted)
    note.details["count"] = len(items)
    return Page[EntryOut](items=items, next_cursor=next_cursor)


@router.get("/cases/{case_id}/entries/{entry_id}", summary="Read an entry")
@audited("read", "entry")
@raises(404)
async def get_entry(
    entry_id: EntryId,
    access: ReadableCase,
    response: Response,
    session: DbSession,
    note: Audit,
    include: Annotated[
        Literal["revisions"] | None, Query(description="`revisions` adds the full history")
    ] = None,
) -> EntryOut:
    """Read an entry in its current revision, with its history on request."""
    view = await service.get_entry_view(
        session, access, entry_id, summary=False, include_revisions=include == "revisions"
    )
    note.details["detail_withheld"] = view.detail_withheld
    return respond(response, view)


@router.patch("/cases/{case_id}/entries/{entry_id}", summary="Edit a draft entry")
@audited("update", "entry")
@raises(409)
async def update_entry(
    body: EntryDraftUpdate,
    target: AuthorsEntry,
    response: Response,
    session: DbSession,
    config: RecordingConfigDep,
    note: Audit,
) -> EntryOut:
    """Edit your own draft (send If-Match); final entries are amended instead."""
    note.details["fields"] = await service.update_draft(session, config, target, content_of(body))
    return respond(response, service.written_view(target.entry, target.episode_number))


@router.post("/cases/{case_id}/entries/{entry_id}/finalise", summary="Finalise a draft entry")
@audited("finalise", "entry")
@raises(409)
async def finalise_entry(
    target: AuthorsEntry, response: Response, session: DbSession, config: RecordingConfigDep
) -> EntryOut:
    """Make your draft final (send If-Match): it is shared with the team and never edited again."""
    await service.finalise_entry(session, config, target)
    return respond(response, service.written_view(target.entry, target.episode_number))


@router.post("/cases/{case_id}/entries/{entry_id}/amendments", summary="Amend a final entry")
@audited("amend", "entry")
@raises(409)
async def amend_entry(
    body: EntryAmendment,
    target: CorrectableEntry,
    response: Response,
    session: DbSession,
    config: RecordingConfigDep,
    note: Audit,
) -> EntryOut:
    """Correct a final entry with a reason (send If-Match); the earlier revision is kept."""
    note.details["fields"] = await service.amend_entry(
        session, config, target, content_of(body), body.reason
    )
    note.details["revision"] = target.entry.revision
    return respond(response, service.written_view(target.entry, target.episode_number))


@router.post(
    "/cases/{case_id}/entries/{entry_id}/withdraw", summary="Withdraw an entry entered in error"
)
@audited("withdraw", "entry")
@raises(409)
async def withdraw_entry(
    body: EntryWithdrawal, target: CorrectableEntry, response: Response, session: DbSession
) -> EntryOut:
    """Withdraw a final entry as entered in error (send If-Match); it is kept, marked withdrawn."""
    await service.withdraw_entry(session, target, body.reason)
    return respond(response, service.written_view(target.entry, target.episode_number))
