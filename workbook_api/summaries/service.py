"""Role summaries: one per allocated worker per episode, on the entry lifecycle."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import Forbidden
from services.pagination import PageRequest
from workbook_api.access.repository import CaseAccess
from workbook_api.cases.models import Allocation, Episode
from workbook_api.disciplines.config import RecordingConfig
from workbook_api.entries import repository as entry_queries
from workbook_api.entries import service as entries
from workbook_api.entries.models import ROLE_SUMMARY_TYPE, Entry
from workbook_api.entries.schemas import EntryContent, EntryOut
from workbook_api.summaries.schemas import (
    EpisodeWorkbook,
    SummaryContent,
    SummaryOut,
    SummaryState,
    WorkbookWorker,
)


def entry_content(body: SummaryContent) -> EntryContent:
    """The entry members a summary body sets, keeping which ones the client actually sent."""
    sent = body.model_dump(
        include=set(SummaryContent.model_fields) & body.model_fields_set, exclude_unset=True
    )
    return EntryContent.model_validate(sent)


async def create_summary(
    session: AsyncSession,
    config: RecordingConfig,
    access: CaseAccess,
    episode: Episode,
    content: EntryContent,
    *,
    finalise: bool,
) -> tuple[Entry, list[str]]:
    """Start (or write at once) the caller's summary for the episode."""
    if not access.allocated:
        raise Forbidden("Only workers currently allocated to the case write role summaries.")
    existing = await session.scalar(
        select(Entry.id).where(
            Entry.episode_id == episode.id,
            Entry.author_id == access.principal.practitioner_id,
            Entry.entry_type == ROLE_SUMMARY_TYPE,
        )
    )
    if existing is not None:
        raise entries.conflict(
            "summary-exists", "You already have a summary for this episode; edit or amend it."
        )
    return await entries.start_entry(
        session, config, access, episode, ROLE_SUMMARY_TYPE, content, finalise=finalise
    )


async def list_summaries(
    session: AsyncSession, access: CaseAccess, episode: Episode, page: PageRequest
) -> tuple[list[SummaryOut], str | None]:
    """A page of the episode's role summaries the caller may see (drafts only their own)."""
    views, next_cursor = await entries.list_entry_views(
        session, access, page, entries.EntryFilter(kind="summaries", episode_id=episode.id)
    )
    return [SummaryOut.of(view) for view in views], next_cursor


def summary_view(view: EntryOut) -> SummaryOut:
    """A role summary's view from its entry view."""
    return SummaryOut.of(view)


def _currently_allocated(allocation: Allocation, now: datetime) -> bool:
    return allocation.starts_at <= now and (allocation.ends_at is None or allocation.ends_at > now)


async def episode_workbook(
    session: AsyncSession, access: CaseAccess, episode: Episode
) -> EpisodeWorkbook:
    """Everyone allocated during the episode, and whose summary is written, drafted or missing."""
    now = await transaction_now(session)
    allocations = (
        await session.scalars(
            select(Allocation)
            .where(
                Allocation.case_id == access.case.id,
                Allocation.starts_at < (episode.closed_at or now),
                or_(Allocation.ends_at.is_(None), Allocation.ends_at > episode.opened_at),
            )
            .order_by(
                Allocation.is_allocated_social_worker.desc(), Allocation.starts_at, Allocation.id
            )
        )
    ).all()
    rows = (
        await session.execute(
            entry_queries.select_entries(access, include_withdrawn=False).where(
                Entry.episode_id == episode.id, Entry.entry_type == ROLE_SUMMARY_TYPE
            )
        )
    ).all()
    summaries = {row.author_id: SummaryOut.of(EntryOut.of(row)) for row in rows}
    # A worker re-allocated within the episode appears once, as their latest allocation.
    workers: dict[UUID, WorkbookWorker] = {}
    for allocation in allocations:
        workers[allocation.practitioner_id] = WorkbookWorker(
            practitioner_id=allocation.practitioner_id,
            practitioner_name=allocation.practitioner_name,
            discipline=allocation.discipline,
            is_allocated_social_worker=allocation.is_allocated_social_worker,
            currently_allocated=_currently_allocated(allocation, now),
            summary_state="not_written",
            summary=None,
        )
    for author_id, summary in summaries.items():
        workers.setdefault(
            author_id,
            WorkbookWorker(
                practitioner_id=author_id,
                practitioner_name=summary.author_name,
                discipline=summary.discipline,
                is_allocated_social_worker=False,
                currently_allocated=False,
                summary_state="not_written",
                summary=None,
            ),
        )
    for practitioner_id, worker in workers.items():
        written_summary = summaries.get(practitioner_id)
        if written_summary is not None:
            state: SummaryState = "draft" if written_summary.status == "draft" else "written"
            worker.summary_state, worker.summary = state, written_summary
    result = list(workers.values())
    written = sum(1 for w in result if w.summary_state == "written")
    return EpisodeWorkbook(
        case_id=access.case.id,
        episode_id=episode.id,
        number=episode.number,
        opened_at=episode.opened_at,
        closed_at=episode.closed_at,
        workers=result,
        written=written,
        outstanding=len(result) - written,
    )
