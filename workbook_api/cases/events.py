"""Case, episode and allocation events through the outbox: ids, times and flags only.

Every change of a case or an allocation publishes the whole record as it now stands, with the
row's version (services/event_contracts.py: CaseSnapshot, AllocationSnapshot), so a subscriber
converges on the newest whatever the order or repetition of deliveries. Reasons and names typed
by people stay in the workbook; subscribers that need them read them over HTTP through the
access rules, and name practitioners from their own projection of the directory.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.event_contracts import (
    RESTATED,
    WORKBOOK_ALLOCATION_EVENTS,
    WORKBOOK_CASE_EVENTS,
    AllocationSnapshot,
    CaseSnapshot,
)
from services.outbox import publish
from services.projection import Announcement
from workbook_api.cases import repository
from workbook_api.cases.models import Allocation, Case, Episode
from workbook_api.models import kernel

SOURCE = "/workbook"
EVENT_PREFIX = "uk.gov.fsm.workbook"
# Its data says which change (`allocated`, `ended`); a restatement is `allocation.restated`.
ALLOCATION_CHANGED = f"{WORKBOOK_ALLOCATION_EVENTS}changed"


def case_announcement(case: Case, episode_number: int, change: str) -> Announcement:
    """The case as it now stands, announced as `uk.gov.fsm.workbook.case.<change>`."""
    # Validated, not constructed: a status the contract does not know must fail the change
    # here rather than reach subscribers as something it is not.
    snapshot = CaseSnapshot.model_validate(
        {
            "case_id": case.id,
            "family_id": case.family_id,
            "owning_team_id": case.owning_team_id,
            "status": case.status,
            "kind": case.kind,
            "opened_at": case.opened_at,
            "closed_at": case.closed_at,
            "episode_number": episode_number,
            "version": case.version,
        }
    )
    return Announcement(
        type=f"{WORKBOOK_CASE_EVENTS}{change}",
        source=SOURCE,
        subject=f"cases/{case.id}",
        data=snapshot.model_dump(mode="json"),
        team_id=case.owning_team_id,
    )


def allocation_announcement(
    owning_team_id: UUID, allocation: Allocation, change: str
) -> Announcement:
    """The allocation as it now stands; `change` says what happened to it."""
    snapshot = AllocationSnapshot(
        allocation_id=allocation.id,
        case_id=allocation.case_id,
        practitioner_id=allocation.practitioner_id,
        discipline=allocation.discipline,
        is_allocated_social_worker=allocation.is_allocated_social_worker,
        starts_at=allocation.starts_at,
        ends_at=allocation.ends_at,
        version=allocation.version,
    )
    restated = change == RESTATED
    return Announcement(
        type=f"{WORKBOOK_ALLOCATION_EVENTS}{RESTATED}" if restated else ALLOCATION_CHANGED,
        source=SOURCE,
        subject=f"cases/{allocation.case_id}/allocations/{allocation.id}",
        data={**snapshot.model_dump(mode="json"), "change": change},
        team_id=owning_team_id,
    )


async def publish_announcement(session: AsyncSession, announcement: Announcement) -> None:
    """Write an announcement to the workbook's outbox, for every subscriber of its type."""
    await publish(
        session,
        kernel.outbox_event,
        type=announcement.type,
        source=announcement.source,
        subject=announcement.subject,
        data=announcement.data,
        team_id=announcement.team_id,
    )


async def publish_case_changed(session: AsyncSession, case: Case, change: str) -> None:
    """Publish the case as it now stands (`opened`, `closed`, `reopened`, `episode_opened`).

    Call it after the change is flushed, so the snapshot carries the row's new version.
    """
    number = await repository.last_episode_number(session, case.id)
    await publish_announcement(session, case_announcement(case, number, change))


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
    """Tell other services who now works on a case (supervision invites them, for one).

    Call it after the change is flushed, so the snapshot carries the row's new version.
    """
    await publish_announcement(
        session, allocation_announcement(case.owning_team_id, allocation, change)
    )
