"""What the workbook publishes: every change of a case or allocation as a whole snapshot, versioned.

Driven through the workbook's own API (and its service, for the next episode group supervision
opens, which has no endpoint of its own yet); read back from its outbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from services.concurrency import etag_for
from services.event_contracts import AllocationSnapshot, CaseSnapshot
from services.principal import Principal
from services.settings import KernelSettings, async_database_url
from tests.conftest import running
from tests.workbook.factories import case_world, outbox_events
from workbook_api.access.repository import load_case_access
from workbook_api.app import create_app
from workbook_api.cases.service import open_next_episode

Headers = Callable[[Principal], dict[str, str]]
CASE = "uk.gov.fsm.workbook.case."


@pytest.fixture(scope="module")
async def workbook(kernel_settings: KernelSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The workbook app over ASGI."""
    async with running(create_app(kernel_settings)) as client:
        yield client


@pytest.fixture(scope="module")
def as_(internal_headers: Callable[[Principal, str], dict[str, str]]) -> Headers:
    """The gateway's internal token for a principal, for the workbook."""
    return lambda principal: internal_headers(principal, "workbook")


@pytest.fixture(scope="module")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A direct engine, to read the workbook's outbox."""
    engine = create_async_engine(async_database_url(database_url), pool_size=2)
    yield engine
    await engine.dispose()


async def case_events(engine: AsyncEngine, case_id: str) -> list[tuple[str, CaseSnapshot]]:
    """The case's own events, oldest first, as (what happened, snapshot)."""
    return [
        (row.type.removeprefix(CASE), CaseSnapshot.model_validate(row.data))
        for row in await outbox_events(engine, f"cases/{case_id}")
        if row.type.startswith(CASE)
    ]


async def allocation_events(engine: AsyncEngine, case_id: str) -> list[dict[str, Any]]:
    """The case's allocation events, oldest first, as published."""
    return [dict(row.data) for row in await outbox_events(engine, f"cases/{case_id}/allocations/")]


def version_of(etag: str) -> int:
    """The version an ETag names (`"<id hex>.<version>"`)."""
    return int(etag.strip('"').rsplit(".", 1)[1])


async def test_every_change_of_a_case_is_its_whole_snapshot_at_the_row_s_version(
    workbook: httpx.AsyncClient, as_: Headers, engine: AsyncEngine
) -> None:
    world = await case_world(workbook, as_, specialist_disciplines=())
    url = f"/cases/{world.case_id}"
    manager = as_(world.manager)
    opened = await workbook.get(url, headers=manager)
    closed = await workbook.post(
        f"{url}/close",
        json={"reason": "Plan completed"},
        headers={**manager, "If-Match": opened.headers["etag"]},
    )
    reopened = await workbook.post(
        f"{url}/reopen",
        json={"reason": "New concerns"},
        headers={**manager, "If-Match": closed.headers["etag"]},
    )
    assert reopened.status_code == 200, reopened.text
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        access = await load_case_access(session, world.manager, UUID(world.case_id), lock=True)
        await open_next_episode(session, access.case, "group_supervision")
    after_supervision = await workbook.get(url, headers=manager)

    events = await case_events(engine, world.case_id)
    assert [change for change, _ in events] == ["opened", "closed", "reopened", "episode_opened"]
    snapshots = [snapshot for _, snapshot in events]
    # Each carries the version its change left the row at: the version the API's ETag names.
    assert [s.version for s in snapshots] == [
        version_of(r.headers["etag"]) for r in (opened, closed, reopened, after_supervision)
    ]
    assert [s.version for s in snapshots] == sorted({s.version for s in snapshots})
    assert [(s.status, s.episode_number) for s in snapshots] == [
        ("open", 1),
        ("closed", 1),
        ("open", 2),
        ("open", 3),
    ]
    assert snapshots[1].closed_at is not None
    assert snapshots[1].closed_at.isoformat() == closed.json()["closed_at"].replace("Z", "+00:00")
    assert snapshots[2].closed_at is None
    assert {(s.case_id, s.family_id, s.owning_team_id) for s in snapshots} == {
        (UUID(world.case_id), UUID(world.family_id), world.team_id)
    }
    assert etag_for(UUID(world.case_id), snapshots[-1].version) == after_supervision.headers["etag"]


async def test_every_change_of_an_allocation_is_its_whole_snapshot_without_names(
    workbook: httpx.AsyncClient, as_: Headers, engine: AsyncEngine
) -> None:
    world = await case_world(workbook, as_, specialist_disciplines=("recovery_worker",))
    url = f"/cases/{world.case_id}"
    manager = as_(world.manager)
    worker = world.specialists["recovery_worker"]
    allocation = world.allocations[worker.practitioner_id]
    ended = await workbook.post(
        f"{url}/allocations/{allocation['id']}/end",
        json={"reason": "Work finished"},
        headers={**manager, "If-Match": etag_for(UUID(allocation["id"]), 1)},
    )
    assert ended.status_code == 200, ended.text
    opened = await workbook.get(url, headers=manager)
    await workbook.post(
        f"{url}/close",
        json={"reason": "Plan completed"},
        headers={**manager, "If-Match": opened.headers["etag"]},
    )

    published = await allocation_events(engine, world.case_id)
    by_allocation: dict[UUID, list[AllocationSnapshot]] = {}
    for data in published:
        assert "practitioner_name" not in data
        assert world.social_worker.display_name not in str(data)
        snapshot = AllocationSnapshot.model_validate(data)
        by_allocation.setdefault(snapshot.allocation_id, []).append(snapshot)
    changes = [
        (d["change"], d["version"]) for d in published if d["allocation_id"] == allocation["id"]
    ]
    assert changes == [("allocated", 1), ("ended", 2)]
    specialist = by_allocation[UUID(allocation["id"])]
    assert specialist[-1].ends_at is not None
    assert specialist[-1].ends_at.isoformat() == ended.json()["ends_at"].replace("Z", "+00:00")
    # Closing the case ended the social worker's allocation at the instant it closed.
    social_work = by_allocation[UUID(world.allocations[world.social_worker.practitioner_id]["id"])]
    [(_, closed)] = [e for e in await case_events(engine, world.case_id) if e[0] == "closed"]
    assert [s.version for s in social_work] == [1, 2]
    assert social_work[-1].ends_at == closed.closed_at
    assert social_work[-1].is_allocated_social_worker
    assert social_work[-1].practitioner_id == world.social_worker.practitioner_id
    assert social_work[-1].case_id == UUID(world.case_id)
