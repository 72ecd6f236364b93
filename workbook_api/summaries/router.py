"""HTTP endpoints for role summaries and the episode workbook view."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query, Response

from services.auditing import Audit, audited
from services.errors import NotFound, raises
from services.pagination import Page, PageQuery
from services.routing import kit_router
from services.unit_of_work import DbSession
from workbook_api.access.dependencies import ReadableCase, RecordingCase
from workbook_api.cases import repository as cases
from workbook_api.disciplines.dependencies import RecordingConfigDep
from workbook_api.entries import service as entries
from workbook_api.entries.dependencies import (
    AuthorsSummary,
    CorrectableSummary,
    EpisodeNumber,
    SummaryId,
)
from workbook_api.entries.repository import EntryTarget
from workbook_api.summaries import service
from workbook_api.summaries.schemas import (
    EpisodeWorkbook,
    SummaryAmendment,
    SummaryCreate,
    SummaryDraftUpdate,
    SummaryOut,
)

router = kit_router(tags=["summaries"])
BASE = "/cases/{case_id}/episodes/{number}"


def respond(response: Response, view: SummaryOut) -> SummaryOut:
    """Send a summary with its ETag."""
    response.headers["ETag"] = view.etag
    return view


def written(target: EntryTarget) -> SummaryOut:
    """What the writer of a summary sees of it after their change."""
    return service.summary_view(entries.written_view(target.entry, target.episode_number))


@router.post(f"{BASE}/summaries", status_code=201, summary="Write a role summary")
@audited("create", "role_summary", resource="")
@raises(403, 404, 409)
async def create_summary(
    number: EpisodeNumber,
    body: SummaryCreate,
    access: RecordingCase,
    response: Response,
    session: DbSession,
    config: RecordingConfigDep,
    note: Audit,
) -> SummaryOut:
    """Write your role summary for the episode (a draft unless `finalise` is true)."""
    episode = await cases.load_episode_or_404(session, access.case.id, number)
    entry, given = await service.create_summary(
        session, config, access, episode, service.entry_content(body), finalise=body.finalise
    )
    note.resource_id = str(entry.id)
    note.details.update(episode=number, status=entry.status, fields=given)
    response.headers["Location"] = f"/cases/{access.case.id}/episodes/{number}/summaries/{entry.id}"
    return respond(response, service.summary_view(entries.written_view(entry, number)))


@router.get(f"{BASE}/summaries", summary="List an episode's role summaries")
@audited("list", "role_summary", resource="")
@raises(404)
async def list_summaries(
    number: EpisodeNumber, access: ReadableCase, session: DbSession, page: PageQuery, note: Audit
) -> Page[SummaryOut]:
    """List the episode's role summaries the caller may see (drafts only their own)."""
    episode = await cases.load_episode_or_404(session, access.case.id, number)
    items, next_cursor = await service.list_summaries(session, access, episode, page)
    note.details.update(episode=number, count=len(items))
    return Page[SummaryOut](items=items, next_cursor=next_cursor)


@router.get(f"{BASE}/summaries/{{summary_id}}", summary="Read a role summary")
@audited("read", "role_summary")
@raises(404)
async def get_summary(
    number: EpisodeNumber,
    summary_id: SummaryId,
    access: ReadableCase,
    response: Response,
    session: DbSession,
    include: Annotated[Literal["revisions"] | None, Query()] = None,
) -> SummaryOut:
    """Read one role summary, with its history on request."""
    episode = await cases.load_episode_or_404(session, access.case.id, number)
    view = await entries.get_entry_view(
        session, access, summary_id, summary=True, include_revisions=include == "revisions"
    )
    if view.episode_id != episode.id:
        raise NotFound("summary")
    return respond(response, service.summary_view(view))


@router.patch(f"{BASE}/summaries/{{summary_id}}", summary="Edit a draft role summary")
@audited("update", "role_summary")
@raises(409)
async def update_summary(
    body: SummaryDraftUpdate,
    target: AuthorsSummary,
    response: Response,
    session: DbSession,
    config: RecordingConfigDep,
    note: Audit,
) -> SummaryOut:
    """Edit your draft summary (send If-Match)."""
    note.details["fields"] = await entries.update_draft(
        session, config, target, service.entry_content(body)
    )
    return respond(response, written(target))


@router.post(f"{BASE}/summaries/{{summary_id}}/finalise", summary="Finalise a role summary")
@audited("finalise", "role_summary")
@raises(409)
async def finalise_summary(
    target: AuthorsSummary, response: Response, session: DbSession, config: RecordingConfigDep
) -> SummaryOut:
    """Mark your summary written (send If-Match): it is shared with the team."""
    await entries.finalise_entry(session, config, target)
    return respond(response, written(target))


@router.post(f"{BASE}/summaries/{{summary_id}}/amendments", summary="Amend a role summary")
@audited("amend", "role_summary")
@raises(409)
async def amend_summary(
    body: SummaryAmendment,
    target: CorrectableSummary,
    response: Response,
    session: DbSession,
    config: RecordingConfigDep,
    note: Audit,
) -> SummaryOut:
    """Correct a written summary with a reason (send If-Match); the earlier text is kept."""
    note.details["fields"] = await entries.amend_entry(
        session, config, target, service.entry_content(body), body.reason
    )
    return respond(response, written(target))


@router.get(f"{BASE}/workbook", summary="Read an episode's workbook")
@audited("read", "episode_workbook", resource="")
@raises(404)
async def get_episode_workbook(
    number: EpisodeNumber, access: ReadableCase, session: DbSession, note: Audit
) -> EpisodeWorkbook:
    """Show each worker on the episode and whether their summary is written, with the summaries."""
    episode = await cases.load_episode_or_404(session, access.case.id, number)
    note.resource_id = str(episode.id)
    workbook = await service.episode_workbook(session, access, episode)
    note.details.update(written=workbook.written, outstanding=workbook.outstanding)
    return workbook
