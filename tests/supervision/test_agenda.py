"""The agenda pre-filled with each worker's latest role summary, read from the real workbook
(served on a loopback port) with the caller's identity: the workbook's rules still apply."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.event_contracts import GCS_RECORD_FINALISED, GcsRecordFinalised
from services.principal import Principal
from services.settings import KernelSettings
from supervision_api.app import create_app as create_supervision
from tests.conftest import running
from tests.gateway.upstreams import serve
from tests.projection.factories import allocation_snapshot, announce, case_snapshot
from tests.support.events import cloud_event, deliver
from tests.workbook.factories import CaseWorld, case_world, write_summary
from workbook_api.app import create_app as create_workbook

Headers = Callable[[Principal], dict[str, str]]


@pytest.fixture(scope="module")
async def workbook_url(kernel_settings: KernelSettings) -> AsyncIterator[str]:
    app = create_workbook(kernel_settings)
    async with app.router.lifespan_context(app), serve(app) as url:
        yield url


@pytest.fixture(scope="module")
async def workbook(kernel_settings: KernelSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_workbook(kernel_settings)) as client:
        yield client


@pytest.fixture(scope="module")
async def supervision(
    kernel_settings: KernelSettings, workbook_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    settings = kernel_settings.model_copy(update={"unit_urls": {"workbook": workbook_url}})
    async with running(create_supervision(settings)) as client:
        yield client


@pytest.fixture
def for_workbook(internal_headers: Callable[[Principal, str], dict[str, str]]) -> Headers:
    return lambda who: internal_headers(who, "workbook")


@pytest.fixture
def for_supervision(internal_headers: Callable[[Principal, str], dict[str, str]]) -> Headers:
    return lambda who: internal_headers(who, "supervision")


async def announce_world(supervision: httpx.AsyncClient, world: CaseWorld) -> None:
    """Tell supervision about the workbook's case as the workbook's events would."""
    case = case_snapshot(
        world.team_id,
        case_id=uuid.UUID(world.case_id),
        family_id=uuid.UUID(world.family["id"]),
        opened_at=datetime.now(UTC) - timedelta(days=1),
        episode_number=2,
    )
    workers = [
        allocation_snapshot(
            case, world.social_worker.practitioner_id, is_allocated_social_worker=True
        ),
        *(
            allocation_snapshot(case, specialist.practitioner_id, discipline=discipline)
            for discipline, specialist in world.specialists.items()
        ),
    ]
    await announce(supervision, case, *workers)


async def test_the_agenda_shows_each_worker_s_latest_summary_as_the_workbook_lets_the_caller(
    supervision: httpx.AsyncClient,
    workbook: httpx.AsyncClient,
    for_workbook: Headers,
    for_supervision: Headers,
) -> None:
    world = await case_world(workbook, for_workbook)
    recovery = world.specialists["recovery_worker"]
    victim_worker = world.specialists["da_victim_worker"]
    await write_summary(
        workbook, for_workbook(world.social_worker), world.case_id, narrative="Older summary."
    )
    # A GCS held opens the workbook's second episode; the social worker writes again there.
    held = GcsRecordFinalised(
        record_id=uuid.uuid4(),
        meeting_id=uuid.uuid4(),
        case_id=uuid.UUID(world.case_id),
        held_at=datetime.now(UTC),
        finalised_at=datetime.now(UTC),
    )
    event = cloud_event(GCS_RECORD_FINALISED, held.model_dump(mode="json"), source="/supervision")
    assert (await deliver(workbook, event)).status_code == 204
    await write_summary(
        workbook,
        for_workbook(world.social_worker),
        world.case_id,
        episode=2,
        narrative="Latest summary.",
    )
    await write_summary(
        workbook,
        for_workbook(recovery),
        world.case_id,
        narrative="Two positive tests this month.",
        sensitivity="restricted",
        shareable_summary="Engaging with recovery service.",
    )
    await write_summary(
        workbook, for_workbook(victim_worker), world.case_id, finalise=False, narrative="Draft."
    )
    await announce_world(supervision, world)
    start = datetime.now(UTC) + timedelta(days=3)
    booked = await supervision.post(
        "/meetings",
        json={
            "team_id": str(world.team_id),
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "place": "Room 4",
            "case_ids": [world.case_id],
        },
        headers=for_supervision(world.manager),
    )
    assert booked.status_code == 201, booked.text
    url = f"/meetings/{booked.json()['id']}/agenda"

    async def agenda(who: Principal) -> dict[str, Any]:
        response = await supervision.get(url, headers=for_supervision(who))
        assert response.status_code == 200, response.text
        [item] = response.json()["items"]
        assert item["summaries_available"]
        return {s["author_id"]: s for s in item["summaries"]}

    seen_by_victim_worker = await agenda(victim_worker)
    social = seen_by_victim_worker[str(world.social_worker.practitioner_id)]
    assert (social["narrative"], social["episode_number"]) == ("Latest summary.", 2)
    # The recovery worker's summary is still episode 1's: the latest they wrote.
    assert seen_by_victim_worker[str(recovery.practitioner_id)]["episode_number"] == 1
    restricted = seen_by_victim_worker[str(recovery.practitioner_id)]
    assert restricted["detail_withheld"]
    assert restricted["narrative"] is None
    assert restricted["shareable_summary"] == "Engaging with recovery service."
    # A draft is its author's alone, and no worker's summary is listed twice.
    assert set(seen_by_victim_worker) == {
        str(world.social_worker.practitioner_id),
        str(recovery.practitioner_id),
    }
    seen_by_social_worker = await agenda(world.social_worker)
    assert seen_by_social_worker[str(recovery.practitioner_id)]["narrative"] == (
        "Two positive tests this month."
    )
    outsider = await supervision.get(url, headers=for_supervision(world.outsider))
    assert outsider.status_code == 404
