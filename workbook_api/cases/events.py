"""Case, episode and allocation events through the outbox: ids, times and flags only.

Reasons and names typed by people stay in the workbook; subscribers that need them read them
over HTTP through the access rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.outbox import publish
from workbook_api.cases.models import Allocation, Case, Episode
from workbook_api.models import kernel

SOURCE = "/workbook"
EVENT_PREFIX = "uk.gov.fsm.workbook"


async def publish_case_event(session: AsyncSession, case: Case, name: str, **data: Any) -> None:
    """Publish a case lifecycle event (`opened`, `closed`, `reopened`)."""
    await publish(
        session,
        kernel.outbox_event,
        type=f"{EVENT_PREFIX}.case.{name}",
        source=SOURCE,
        subject=f"cases/{case.id}",
        data={
            "case_id": case.id,
            "family_id": case.family_id,
            "owning_team_id": case.owning_team_id,
            "status": case.status,
            **data,
        },
        team_id=case.owning_team_id,
    )


async def publish_episode_opened(
    session: AsyncSession, case: Case, episode: Episode, now: datetime
) -> None:
    """Tell other services a new workbook episode opened (after group supervision, say)."""
    await publish(
        session,
        kernel.outbox_event,
        type=f"{EVENT_PREFIX}.episode.opened",
        source=SOURCE,
        subject=f"cases/{case.id}/episodes/{episode.number}",
        data={
            "case_id": case.id,
            "episode_id": episode.id,
            "number": episode.number,
            "opened_at": now,
            "opened_by_event": episode.opened_by_event,
        },
        team_id=case.owning_team_id,
    )


async def publish_allocation_changed(
    session: AsyncSession, case: Case, allocation: Allocation, change: str
) -> None:
    """Tell other services who now works on a case (supervision invites them, for one)."""
    await publish(
        session,
        kernel.outbox_event,
        type=f"{EVENT_PREFIX}.allocation.changed",
        source=SOURCE,
        subject=f"cases/{case.id}/allocations/{allocation.id}",
        data={
            "change": change,
            "case_id": case.id,
            "allocation_id": allocation.id,
            "practitioner_id": allocation.practitioner_id,
            "practitioner_name": allocation.practitioner_name,
            "discipline": allocation.discipline,
            "is_allocated_social_worker": allocation.is_allocated_social_worker,
            "starts_at": allocation.starts_at,
            "ends_at": allocation.ends_at,
        },
        team_id=case.owning_team_id,
    )
