"""HTTP endpoints for role summaries and the episode workbook view."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from services.app import route_responses
from services.concurrency import require_if_match
from services.db import DbSession
from services.errors import NotFound
from services.pagination import Page, page_params
from workbook_api.access.visibility import load_case_or_404
from workbook_api.audit_purpose import AccessPurpose, audited
from workbook_api.disciplines.dependencies import RecordingConfigDep
from workbook_api.entries import service as entries
from workbook_api.entries.dependencies import Reader, Recorder
from workbook_api.entries.models import Entry
from workbook_api.listing import aware_datetime, cursor_key, uuid_value
from workbook_api.summaries import service
from workbook_api.summaries.schemas import (
    EpisodeWorkbook,
    SummaryAmendment,
    SummaryCreate,
    SummaryDraftUpdate,
    SummaryOut,
)

router = APIRouter(tags=["summaries"])

PageParams = Annotated[tuple[int, str | None], Depends(page_params)]
EpisodeNumber = Annotated[int, Path(ge=1, le=100_000)]
BASE = "/cases/{case_id}/episodes/{number}"


def respond(response: Response, view: dict[str, object], episode_id: UUID) -> SummaryOut:
    """Send a summary with its ETag; one from another episode is not found here."""
    if view["episode_id"] != episode_id:
        raise NotFound("summary")
    out = SummaryOut.model_validate(view)
    response.headers["ETag"] = out.etag
    return out


@router.post(
    f"{BASE}/summaries", status_code=201, responses=route_responses(401, 403, 404, 409, 422)
)
async def create_summary(
    case_id: UUID,
    number: EpisodeNumber,
    body: SummaryCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Recorder,
    purpose: AccessPurpose,
    config: RecordingConfigDep,
) -> SummaryOut:
    """Write your role summary for the episode (a draft unless `finalise` is true)."""
    with audited(
        request, action="create", resource_type="role_summary", case_id=case_id, purpose=purpose
    ) as note:
        case = await load_case_or_404(session, principal, case_id)
        episode = await service.load_episode_or_404(session, case, number)
        entry, given = await service.create_summary(
            session,
            principal,
            config,
            case,
            episode,
            service.entry_content(body),
            finalise=body.finalise,
        )
        note.resource_id = str(entry.id)
        note.details.update(episode=number, status=entry.status, fields=given)
        view = await entries.get_entry_view(session, principal, case_id, entry.id, summary=True)
    response.headers["Location"] = f"/cases/{case_id}/episodes/{number}/summaries/{entry.id}"
    return respond(response, view, episode.id)


@router.get(
    f"{BASE}/summaries", status_code=200, responses=route_responses(400, 401, 403, 404, 422)
)
async def list_summaries(
    case_id: UUID,
    number: EpisodeNumber,
    request: Request,
    session: DbSession,
    principal: Reader,
    purpose: AccessPurpose,
    page: PageParams,
) -> Page[SummaryOut]:
    """List the episode's role summaries the caller may see (drafts only their own)."""
    limit, cursor = page
    after = cursor_key(cursor, aware_datetime, uuid_value)
    with audited(
        request, action="list", resource_type="role_summary", case_id=case_id, purpose=purpose
    ) as note:
        case = await load_case_or_404(session, principal, case_id)
        episode = await service.load_episode_or_404(session, case, number)
        items, next_cursor = await entries.list_entry_views(
            session,
            principal,
            case_id,
            limit=limit,
            after=after,
            filters=[entries.kind_filter(summary=True), Entry.episode_id == episode.id],
            include_withdrawn=False,
        )
        note.details.update(episode=number, count=len(items))
    return Page[SummaryOut](
        items=[SummaryOut.model_validate(i) for i in items], next_cursor=next_cursor
    )


@router.get(
    f"{BASE}/summaries/{{summary_id}}",
    status_code=200,
    responses=route_responses(401, 403, 404, 422),
)
async def get_summary(
    case_id: UUID,
    number: EpisodeNumber,
    summary_id: UUID,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Reader,
    purpose: AccessPurpose,
    include: Annotated[Literal["revisions"] | None, Query()] = None,
) -> SummaryOut:
    """Read one role summary, with its history on request."""
    with audited(
        request,
        action="read",
        resource_type="role_summary",
        resource_id=summary_id,
        case_id=case_id,
        purpose=purpose,
    ):
        case = await load_case_or_404(session, principal, case_id)
        episode = await service.load_episode_or_404(session, case, number)
        view = await entries.get_entry_view(
            session,
            principal,
            case_id,
            summary_id,
            summary=True,
            include_revisions=include == "revisions",
        )
        out = respond(response, view, episode.id)
    return out


@router.patch(
    f"{BASE}/summaries/{{summary_id}}",
    status_code=200,
    responses=route_responses(401, 403, 404, 409, 412, 422, 428),
)
async def update_summary(
    case_id: UUID,
    number: EpisodeNumber,
    summary_id: UUID,
    body: SummaryDraftUpdate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Recorder,
    purpose: AccessPurpose,
    config: RecordingConfigDep,
) -> SummaryOut:
    """Edit your draft summary (send If-Match)."""
    with audited(
        request,
        action="update",
        resource_type="role_summary",
        resource_id=summary_id,
        case_id=case_id,
        purpose=purpose,
    ) as note:
        case = await load_case_or_404(session, principal, case_id)
        episode = await service.load_episode_or_404(session, case, number)
        entry = await entries.load_entry_for_change(
            session, principal, case, summary_id, summary=True
        )
        if entry.episode_id != episode.id:
            raise NotFound("summary")
        entries.require_author(principal, entry)
        require_if_match(request, entry.id, entry.version)
        note.details["fields"] = await entries.update_draft(
            session, principal, config, case, entry, service.entry_content(body)
        )
        view = await entries.get_entry_view(session, principal, case_id, summary_id, summary=True)
    return respond(response, view, episode.id)


@router.post(
    f"{BASE}/summaries/{{summary_id}}/finalise",
    status_code=200,
    responses=route_responses(401, 403, 404, 409, 412, 422, 428),
)
async def finalise_summary(
    case_id: UUID,
    number: EpisodeNumber,
    summary_id: UUID,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Recorder,
    purpose: AccessPurpose,
    config: RecordingConfigDep,
) -> SummaryOut:
    """Mark your summary written (send If-Match): it is shared with the team."""
    with audited(
        request,
        action="finalise",
        resource_type="role_summary",
        resource_id=summary_id,
        case_id=case_id,
        purpose=purpose,
    ):
        case = await load_case_or_404(session, principal, case_id)
        episode = await service.load_episode_or_404(session, case, number)
        entry = await entries.load_entry_for_change(
            session, principal, case, summary_id, summary=True
        )
        if entry.episode_id != episode.id:
            raise NotFound("summary")
        entries.require_author(principal, entry)
        require_if_match(request, entry.id, entry.version)
        await entries.finalise_entry(session, principal, config, case, entry)
        view = await entries.get_entry_view(session, principal, case_id, summary_id, summary=True)
    return respond(response, view, episode.id)


@router.post(
    f"{BASE}/summaries/{{summary_id}}/amendments",
    status_code=200,
    responses=route_responses(401, 403, 404, 409, 412, 422, 428),
)
async def amend_summary(
    case_id: UUID,
    number: EpisodeNumber,
    summary_id: UUID,
    body: SummaryAmendment,
    request: Request,
    response: Response,
    session: DbSession,
    principal: Recorder,
    purpose: AccessPurpose,
    config: RecordingConfigDep,
) -> SummaryOut:
    """Correct a written summary with a reason (send If-Match); the earlier text is kept."""
    with audited(
        request,
        action="amend",
        resource_type="role_summary",
        resource_id=summary_id,
        case_id=case_id,
        purpose=purpose,
    ) as note:
        case = await load_case_or_404(session, principal, case_id)
        episode = await service.load_episode_or_404(session, case, number)
        entry = await entries.load_entry_for_change(
            session, principal, case, summary_id, summary=True
        )
        if entry.episode_id != episode.id:
            raise NotFound("summary")
        entries.require_author_or_manager(principal, case, entry)
        require_if_match(request, entry.id, entry.version)
        note.details["fields"] = await entries.amend_entry(
            session, principal, config, case, entry, service.entry_content(body), body.reason
        )
        view = await entries.get_entry_view(session, principal, case_id, summary_id, summary=True)
    return respond(response, view, episode.id)


@router.get(f"{BASE}/workbook", status_code=200, responses=route_responses(401, 403, 404, 422))
async def get_episode_workbook(
    case_id: UUID,
    number: EpisodeNumber,
    request: Request,
    session: DbSession,
    principal: Reader,
    purpose: AccessPurpose,
) -> EpisodeWorkbook:
    """Show each worker on the episode and whether their summary is written, with the summaries."""
    with audited(
        request,
        action="read",
        resource_type="episode_workbook",
        case_id=case_id,
        purpose=purpose,
    ) as note:
        case = await load_case_or_404(session, principal, case_id)
        episode = await service.load_episode_or_404(session, case, number)
        note.resource_id = str(episode.id)
        workbook = await service.episode_workbook(session, principal, case, episode)
        note.details.update(written=workbook.written, outstanding=workbook.outstanding)
    return workbook
