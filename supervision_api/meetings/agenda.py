"""A meeting's agenda with each worker's latest role summary, read from the workbook as the
caller (services/unit_calls.py).

The summaries are never copied into supervision: each request reads them from the workbook
with the caller's own token, so the workbook's rules decide what the caller sees (restricted
detail withheld from other disciplines, drafts only their author's) and its audit records the
read as the caller's. The latest final summary of each author is taken from the case's current
episode and the one before it: a GCS opens a new episode, and the summaries written for the
coming meeting may sit in either.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry import WORKBOOK
from services.unit_calls import AsCaller
from supervision_api.meetings import repository
from supervision_api.meetings.dependencies import MeetingAccess

PAGE = 200
# The workbook is asked for a few agenda cases at a time, not thirty at once.
AGENDA_CALLS_AT_ONCE = 4


class AgendaSummary(BaseModel):
    """A worker's latest final role summary, as the workbook lets the caller see it."""

    summary_id: UUID
    author_id: UUID
    author_name: str
    discipline: str
    episode_number: int
    finalised_at: datetime | None
    shareable_summary: str | None
    narrative: str | None = Field(description="Null when the detail is withheld from you")
    detail_withheld: bool


class AgendaCase(BaseModel):
    """A case on the agenda, with its workers' latest summaries."""

    case_id: UUID
    position: int
    episode_number: int | None = Field(description="The case's current workbook episode")
    summaries_available: bool = Field(
        description="False when the workbook shows you nothing of this case"
    )
    summaries: list[AgendaSummary]


class Agenda(BaseModel):
    """The agenda's cases you may see, in order."""

    meeting_id: UUID
    items: list[AgendaCase]


def _summary(item: Any) -> AgendaSummary | None:
    if not isinstance(item, dict) or item.get("status") != "final":
        return None
    try:
        return AgendaSummary.model_validate(
            {**item, "summary_id": item.get("id"), "detail_withheld": item.get("detail_withheld")}
        )
    except ValidationError:
        return None


def _finalised(summary: AgendaSummary) -> float:
    return summary.finalised_at.timestamp() if summary.finalised_at else float("-inf")


async def latest_summaries(
    calls: AsCaller, case_id: UUID, episode_number: int
) -> list[AgendaSummary] | None:
    """Each author's latest final summary in the current or the previous episode; None when
    the workbook shows the caller nothing of the case."""
    latest: dict[UUID, AgendaSummary] = {}
    for number in range(episode_number, max(episode_number - 2, 0), -1):
        answer = await calls.get(
            WORKBOOK, f"/cases/{case_id}/episodes/{number}/summaries", params={"limit": PAGE}
        )
        if not answer.ok:
            if number == episode_number:
                return None
            continue
        items = answer.body.get("items", []) if isinstance(answer.body, dict) else []
        for summary in filter(None, map(_summary, items)):
            known = latest.get(summary.author_id)
            if known is None or _finalised(summary) > _finalised(known):
                latest[summary.author_id] = summary
    return sorted(latest.values(), key=lambda s: (s.discipline, s.author_name))


async def agenda_view(
    session: AsyncSession,
    access: MeetingAccess,
    calls: AsCaller,
    reads_done: Callable[[], Awaitable[None]],
) -> Agenda:
    """The agenda's cases the caller may see, each with its workers' latest role summaries as
    the workbook shows them to the caller.

    Everything this unit knows is read first; `reads_done` then ends the request's transaction
    before the workbook is asked, so no transaction waits on another unit's answer.
    """
    meeting_id = access.meeting.id
    items = [
        (item.case_id, item.position)
        for item in await repository.agenda(session, access.principal, meeting_id)
    ]
    episodes = await repository.episode_numbers(session, [case_id for case_id, _ in items])
    await reads_done()
    asking = asyncio.Semaphore(AGENDA_CALLS_AT_ONCE)

    async def summaries_of(case_id: UUID) -> list[AgendaSummary] | None:
        number = episodes.get(case_id)
        if not number:
            return None
        async with asking:
            return await latest_summaries(calls, case_id, number)

    found = await asyncio.gather(*(summaries_of(case_id) for case_id, _ in items))
    return Agenda(
        meeting_id=meeting_id,
        items=[
            AgendaCase(
                case_id=case_id,
                position=position,
                episode_number=episodes.get(case_id),
                summaries_available=summaries is not None,
                summaries=summaries or [],
            )
            for (case_id, position), summaries in zip(items, found, strict=True)
        ],
    )
