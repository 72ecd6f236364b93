"""Role summaries: one per allocated worker per episode, on the entry lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import Forbidden, NotFound
from services.principal import Principal
from workbook_api.cases.models import Allocation, Case, Episode
from workbook_api.disciplines.config import RecordingConfig
from workbook_api.entries import service as entries
from workbook_api.entries.models import ROLE_SUMMARY_TYPE, Entry
from workbook_api.entries.repository import select_entries, view_from_row
from workbook_api.entries.schemas import EntryContent
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


async def load_episode_or_404(session: AsyncSession, case: Case, number: int) -> Episode:
    """The case's episode with this number (the case was already checked for visibility)."""
    episode = await session.scalar(
        select(Episode).where(Episode.case_id == case.id, Episode.number == number)
    )
    if episode is None:
        raise NotFound("episode")
    return episode


async def create_summary(
    session: AsyncSession,
    principal: Principal,
    config: RecordingConfig,
    case: Case,
    episode: Episode,
    content: EntryContent,
    *,
    finalise: bool,
) -> tuple[Entry, list[str]]:
    """Start (or write at once) the caller's summary for the episode."""
    if case.status != "open":
        raise entries.conflict("case-closed", "The case is closed; its workbook is read-only.")
    if not await entries.is_allocated(session, principal, case.id):
        raise Forbidden("Only workers currently allocated to the case write role summaries.")
    existing = await session.scalar(
        select(Entry.id).where(
            Entry.episode_id == episode.id,
            Entry.author_id == principal.practitioner_id,
            Entry.entry_type == ROLE_SUMMARY_TYPE,
        )
    )
    if existing is not None:
        raise entries.conflict(
            "summary-exists", "You already have a summary for this episode; edit or amend it."
        )
    now = datetime.now(UTC)
    entry = entries.new_entry(principal, config, case, episode, ROLE_SUMMARY_TYPE, now)
    given = await entries.apply_content(session, config, case, entry, content, now)
    session.add(entry)
    if finalise:
        await entries.finalise_entry(session, principal, config, case, entry, now=now)
    else:
        await session.flush()
    return entry, given


def _worker_row(allocation: Allocation, now: datetime) -> dict[str, Any]:
    return {
        "practitioner_id": allocation.practitioner_id,
        "practitioner_name": allocation.practitioner_name,
        "discipline": allocation.discipline,
        "is_allocated_social_worker": allocation.is_allocated_social_worker,
        "currently_allocated": allocation.starts_at <= now
        and (allocation.ends_at is None or allocation.ends_at > now),
    }


async def episode_workbook(
    session: AsyncSession, principal: Principal, case: Case, episode: Episode
) -> EpisodeWorkbook:
    """Everyone allocated during the episode, and whose summary is written, drafted or missing."""
    now = datetime.now(UTC)
    allocations = (
        await session.scalars(
            select(Allocation)
            .where(
                Allocation.case_id == case.id,
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
            select_entries(principal, include_withdrawn=False).where(
                Entry.episode_id == episode.id, Entry.entry_type == ROLE_SUMMARY_TYPE
            )
        )
    ).all()
    summaries = {row.author_id: SummaryOut.model_validate(view_from_row(row)) for row in rows}
    workers: dict[Any, dict[str, Any]] = {}
    for allocation in allocations:
        # A worker re-allocated within the episode appears once, as their latest allocation.
        workers[allocation.practitioner_id] = _worker_row(allocation, now)
    for author_id, summary in summaries.items():
        workers.setdefault(
            author_id,
            {
                "practitioner_id": author_id,
                "practitioner_name": summary.author_name,
                "discipline": summary.discipline,
                "is_allocated_social_worker": False,
                "currently_allocated": False,
            },
        )
    result: list[WorkbookWorker] = []
    for practitioner_id, worker in workers.items():
        written_summary = summaries.get(practitioner_id)
        state: SummaryState = "not_written"
        if written_summary is not None:
            state = "draft" if written_summary.status == "draft" else "written"
        result.append(WorkbookWorker(**worker, summary_state=state, summary=written_summary))
    written = sum(1 for w in result if w.summary_state == "written")
    return EpisodeWorkbook(
        case_id=case.id,
        episode_id=episode.id,
        number=episode.number,
        opened_at=episode.opened_at,
        closed_at=episode.closed_at,
        workers=result,
        written=written,
        outstanding=len(result) - written,
    )
