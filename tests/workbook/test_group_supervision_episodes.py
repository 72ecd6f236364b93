"""A Group Case Supervision held opens the case's next episode, once, whatever the order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.event_contracts import GCS_RECORD_FINALISED, GcsRecordFinalised
from tests.support.events import cloud_event, deliver
from tests.workbook.conftest import Headers
from tests.workbook.factories import case_world


def held(case_id: str, held_at: datetime) -> Any:
    record = GcsRecordFinalised(
        record_id=uuid.uuid4(),
        meeting_id=uuid.uuid4(),
        case_id=uuid.UUID(case_id),
        held_at=held_at,
        finalised_at=held_at + timedelta(hours=2),
    )
    return cloud_event(GCS_RECORD_FINALISED, record.model_dump(mode="json"), source="/supervision")


async def episodes(client: httpx.AsyncClient, headers: dict[str, str], case_id: str) -> list[Any]:
    response = await client.get(f"/cases/{case_id}/episodes", headers=headers)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


async def test_a_gcs_held_opens_the_next_episode_once_and_late_ones_change_nothing(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    headers = as_(world.manager)
    assert len(await episodes(client, headers, world.case_id)) == 1

    event = held(world.case_id, datetime.now(UTC))
    assert (await deliver(client, event)).status_code == 204
    assert (await deliver(client, event)).status_code == 204  # redelivered: applied once
    after = await episodes(client, headers, world.case_id)
    assert [e["number"] for e in after] == [1, 2]
    assert after[1]["opened_by_event"] == "group_supervision"

    # An older meeting's record arriving late: its cycle has begun already.
    late = held(world.case_id, datetime.now(UTC) - timedelta(days=30))
    assert (await deliver(client, late)).status_code == 204
    assert len(await episodes(client, headers, world.case_id)) == 2

    unknown = held(str(uuid.uuid4()), datetime.now(UTC))
    refused = await deliver(client, unknown)
    assert refused.status_code == 422
