"""HTTP endpoints for workbook entries: record, read, list, edit, finalise, amend, withdraw."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import ColumnElement

from services.app import route_responses
from services.concurrency import require_if_match
from services.db import DbSession
from services.pagination import Page, page_params
from workbook_api.access.visibility import load_case_or_404
from workbook_api.audit_purpose import AccessPurpose, audited
from workbook_api.cases.models import Episode
from workbook_api.disciplines.dependencies import RecordingConfigDep
from workbook_api.entries import service
from workbook_api.entries.dependencies import Reader, Recorder
from workbook_api.entries.models import Entry
from workbook_api.entries.schemas import (
    EntryAmendment,
    EntryContent,
    EntryCreate,
    EntryDraftUpdate,
    EntryOut,
    EntryStatus,
    EntryWithdrawal,
)
from workbook_api.listing import aware_datetime, cursor_key, uuid_value

router = APIRouter(tags=["entries"])

PageParams = Annotated[tuple[int, str | None], Depends(page_params)]
# Entry types and disciplines are lower-case codes; anything else cannot match.
CODE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


def entry_location(case_id: UUID, entry_id: UUID) -> str:
    """The entry's path as this service mounts it (the gateway adds its prefix)."""
    return f"/cases/{case_id}/entries/{entry_id}"


def respond(response: Response, view: dict[str, object]) -> EntryOut:
    """Send an entry with its ETag."""
    out = EntryOut.model_validate(view)
    response.headers["ETag"] = out.etag
    return out


def content_of(body: EntryContent) -> EntryContent:
    """Only the content members of a body, keeping which ones the client actually sent."""
    sent = body.model_dump(
        include=set(EntryContent.model_fields) & body.model_fields_set, exclude_unset=True
    )
    return EntryContent.model_validate(sent)


@router.post(
    "/cases/{case_id}/entries",
    status_code=201,
    responses=route_responses(401, 403, 404, 409, 422),
)
async def create_entry(
    case_id: UUID,
    body: EntryCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Recorder,
    purpose: AccessPurpose,
    config: RecordingConfigDep,
) -> EntryOut:
    """Record an entry in the case's workbook: a private draft, or final when `finalise` is set."""
    with audited(
        request, action="create", resource_type="entry", case_id=case_id, purpose=purpose
    ) as note:
        case = await load_case_or_404(session, principal, case_id)
        entry, given = await service.create_entry(
            session,
            principal,
            config,
            case,
            entry_type=body.entry_type,
            content=content_of(body),
            finalise=body.finalise,
        )
        note.resource_id = str(entry.id)
        note.details.update(entry_type=entry.entry_type, status=entry.status, fields=given)
        view = await service.get_entry_view(session, principal, case_id, entry.id, summary=False)
    response.headers["Location"] = entry_location(case_id, entry.id)
    return respond(response, view)


@router.get(
    "/cases/{case_id}/entries",
    status_code=200,
    responses=route_responses(400, 401, 403, 404, 422),
)
async def list_entries(
    case_id: UUID,
    request: Request,
    session: DbSession,
    principal: Reader,
    purpose: AccessPurpose,
    page: PageParams,
    entry_type: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    status: Annotated[
        EntryStatus | None, Query(description="Drafts are only ever your own")
    ] = None,
    significant: bool | None = None,
    discipline: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
    author_id: UUID | None = None,
    episode: Annotated[int | None, Query(ge=1, description="Episode number")] = None,
    include_withdrawn: Annotated[
        bool, Query(description="Also entries withdrawn as entered in error, where permitted")
    ] = False,
) -> Page[EntryOut]:
    """List the case's entries the caller may see, newest event first."""
    limit, cursor = page
    after = cursor_key(cursor, aware_datetime, uuid_value)
    filters: list[ColumnElement[bool]] = [service.kind_filter(summary=False)]
    if entry_type is not None:
        filters.append(Entry.entry_type == entry_type)
    if status is not None:
        filters.append(Entry.status == status)
    if significant is not None:
        filters.append(Entry.significant.is_(significant))
    if discipline is not None:
        filters.append(Entry.discipline == discipline)
    if author_id is not None:
        filters.append(Entry.author_id == author_id)
    if episode is not None:
        filters.append(Episode.number == episode)
    with audited(
        request, action="list", resource_type="entry", case_id=case_id, purpose=purpose
    ) as note:
        await load_case_or_404(session, principal, case_id)
        items, next_cursor = await service.list_entry_views(
            session,
            principal,
            case_id,
            limit=limit,
            after=after,
            filters=filters,
            include_withdrawn=include_withdrawn or status == "withdrawn",
        )
        note.details["count"] = len(items)
    return Page[EntryOut](
        items=[EntryOut.model_validate(i) for i in items], next_cursor=next_cursor
    )


@router.get(
    "/cases/{case_id}/entries/{entry_id}",
    status_code=200,
    responses=route_responses(401, 403, 404, 422),
)
async def get_entry(
    case_id: UUID,
    entry_id: UUID,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Reader,
    purpose: AccessPurpose,
    include: Annotated[
        Literal["revisions"] | None, Query(description="`revisions` adds the full history")
    ] = None,
) -> EntryOut:
    """Read an entry in its current revision, with its history on request."""
    with audited(
        request,
        action="read",
        resource_type="entry",
        resource_id=entry_id,
        case_id=case_id,
        purpose=purpose,
    ) as note:
        await load_case_or_404(session, principal, case_id)
        view = await service.get_entry_view(
            session,
            principal,
            case_id,
            entry_id,
            summary=False,
            include_revisions=include == "revisions",
        )
        note.details["detail_withheld"] = view["detail_withheld"]
    return respond(response, view)


@router.patch(
    "/cases/{case_id}/entries/{entry_id}",
    status_code=200,
    responses=route_responses(401, 403, 404, 409, 412, 422, 428),
)
async def update_entry(
    case_id: UUID,
    entry_id: UUID,
    body: EntryDraftUpdate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Recorder,
    purpose: AccessPurpose,
    config: RecordingConfigDep,
) -> EntryOut:
    """Edit your own draft (send If-Match); final entries are amended instead."""
    with audited(
        request,
        action="update",
        resource_type="entry",
        resource_id=entry_id,
        case_id=case_id,
        purpose=purpose,
    ) as note:
        case = await load_case_or_404(session, principal, case_id)
        entry = await service.load_entry_for_change(
            session, principal, case, entry_id, summary=False
        )
        service.require_author(principal, entry)
        require_if_match(request, entry.id, entry.version)
        note.details["fields"] = await service.update_draft(
            session, principal, config, case, entry, content_of(body)
        )
        view = await service.get_entry_view(session, principal, case_id, entry_id, summary=False)
    return respond(response, view)


@router.post(
    "/cases/{case_id}/entries/{entry_id}/finalise",
    status_code=200,
    responses=route_responses(401, 403, 404, 409, 412, 422, 428),
)
async def finalise_entry(
    case_id: UUID,
    entry_id: UUID,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Recorder,
    purpose: AccessPurpose,
    config: RecordingConfigDep,
) -> EntryOut:
    """Make your draft final (send If-Match): it is shared with the team and never edited again."""
    with audited(
        request,
        action="finalise",
        resource_type="entry",
        resource_id=entry_id,
        case_id=case_id,
        purpose=purpose,
    ):
        case = await load_case_or_404(session, principal, case_id)
        entry = await service.load_entry_for_change(
            session, principal, case, entry_id, summary=False
        )
        service.require_author(principal, entry)
        require_if_match(request, entry.id, entry.version)
        await service.finalise_entry(session, principal, config, case, entry)
        view = await service.get_entry_view(session, principal, case_id, entry_id, summary=False)
    return respond(response, view)


@router.post(
    "/cases/{case_id}/entries/{entry_id}/amendments",
    status_code=200,
    responses=route_responses(401, 403, 404, 409, 412, 422, 428),
)
async def amend_entry(
    case_id: UUID,
    entry_id: UUID,
    body: EntryAmendment,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Recorder,
    purpose: AccessPurpose,
    config: RecordingConfigDep,
) -> EntryOut:
    """Correct a final entry with a reason (send If-Match); the earlier revision is kept."""
    with audited(
        request,
        action="amend",
        resource_type="entry",
        resource_id=entry_id,
        case_id=case_id,
        purpose=purpose,
    ) as note:
        case = await load_case_or_404(session, principal, case_id)
        entry = await service.load_entry_for_change(
            session, principal, case, entry_id, summary=False
        )
        service.require_author_or_manager(principal, case, entry)
        require_if_match(request, entry.id, entry.version)
        note.details["fields"] = await service.amend_entry(
            session, principal, config, case, entry, content_of(body), body.reason
        )
        note.details["revision"] = entry.revision
        view = await service.get_entry_view(session, principal, case_id, entry_id, summary=False)
    return respond(response, view)


@router.post(
    "/cases/{case_id}/entries/{entry_id}/withdraw",
    status_code=200,
    responses=route_responses(401, 403, 404, 409, 412, 422, 428),
)
async def withdraw_entry(
    case_id: UUID,
    entry_id: UUID,
    body: EntryWithdrawal,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Recorder,
    purpose: AccessPurpose,
) -> EntryOut:
    """Withdraw a final entry as entered in error (send If-Match); it is kept, marked withdrawn."""
    with audited(
        request,
        action="withdraw",
        resource_type="entry",
        resource_id=entry_id,
        case_id=case_id,
        purpose=purpose,
    ):
        case = await load_case_or_404(session, principal, case_id)
        entry = await service.load_entry_for_change(
            session, principal, case, entry_id, summary=False
        )
        service.require_author_or_manager(principal, case, entry)
        require_if_match(request, entry.id, entry.version)
        await service.withdraw_entry(session, principal, case, entry, body.reason)
        view = await service.get_entry_view(session, principal, case_id, entry_id, summary=False)
    return respond(response, view)
