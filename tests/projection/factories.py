"""Snapshots as the workbook and the directory announce them, and their delivery to an inbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from pydantic import BaseModel

from services.event_contracts import (
    DIRECTORY_PRACTITIONER_CHANGED,
    DIRECTORY_TEAM_CHANGED,
    RESTATED,
    WORKBOOK_ALLOCATION_EVENTS,
    WORKBOOK_CASE_EVENTS,
    AllocationSnapshot,
    CaseSnapshot,
    PractitionerSnapshot,
    TeamSnapshot,
)
from services.events import CloudEvent
from tests.support.events import cloud_event, deliver


def event_of(snapshot: BaseModel, *, change: str = "changed") -> CloudEvent:
    """A fresh CloudEvent carrying a snapshot, typed and sourced as its publisher sends it."""
    data = snapshot.model_dump(mode="json")
    if isinstance(snapshot, CaseSnapshot):
        return cloud_event(f"{WORKBOOK_CASE_EVENTS}{change}", data, source="/workbook")
    if isinstance(snapshot, AllocationSnapshot):
        kind = RESTATED if change == RESTATED else "changed"
        data["change"] = change
        return cloud_event(f"{WORKBOOK_ALLOCATION_EVENTS}{kind}", data, source="/workbook")
    if isinstance(snapshot, PractitionerSnapshot):
        return cloud_event(DIRECTORY_PRACTITIONER_CHANGED, data)
    if isinstance(snapshot, TeamSnapshot):
        return cloud_event(DIRECTORY_TEAM_CHANGED, data)
    raise TypeError(type(snapshot).__name__)


async def announce(client: httpx.AsyncClient, *snapshots: BaseModel) -> None:
    """Deliver each snapshot in a fresh event, signed, to the app's inbox."""
    for snapshot in snapshots:
        response = await deliver(client, event_of(snapshot))
        assert response.status_code == 204, response.text


def hours_ago(hours: float) -> datetime:
    """A time `hours` before now (negative: after)."""
    return datetime.now(UTC) - timedelta(hours=hours)


def case_snapshot(team_id: UUID, **changes: Any) -> CaseSnapshot:
    """An open case of a team, opened a month ago, at version 1 unless told otherwise."""
    values: dict[str, Any] = {
        "case_id": uuid.uuid4(),
        "family_id": uuid.uuid4(),
        "owning_team_id": team_id,
        "status": "open",
        "opened_at": hours_ago(24 * 30),
        "episode_number": 1,
        "version": 1,
    }
    values.update(changes)
    return CaseSnapshot.model_validate(values)


def allocation_snapshot(
    case: CaseSnapshot, practitioner_id: UUID, **changes: Any
) -> AllocationSnapshot:
    """A practitioner's allocation to a case from when it opened, running, at version 1."""
    values: dict[str, Any] = {
        "allocation_id": uuid.uuid4(),
        "case_id": case.case_id,
        "practitioner_id": practitioner_id,
        "discipline": "social_worker",
        "is_allocated_social_worker": False,
        "starts_at": case.opened_at,
        "ends_at": None,
        "version": 1,
    }
    values.update(changes)
    return AllocationSnapshot.model_validate(values)
