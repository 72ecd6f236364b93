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

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field, ValidationError

from services.registry import WORKBOOK
from services.unit_calls import AsCaller

PAGE = 200


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
