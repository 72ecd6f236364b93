"""The agenda asks the workbook with no transaction of its own open: everything supervision
knows is read first, the request's transaction ends, and only then is the workbook called.

The workbook here is the real one on a loopback port, behind a thin ASGI wrapper that, as each
call arrives, asks PostgreSQL which sessions sit idle in a transaction whose last statement
read supervision's tables: a session waiting on the workbook with its transaction open."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest

from services.event_contracts import GCS_RECORD_FINALISED, GcsRecordFinalised
from services.principal import Principal
from services.settings import KernelSettings
from supervision_api.app import create_app as create_supervision
from tests.conftest import running
from tests.gateway.upstreams import serve
from tests.supervision.test_agenda import announce_world
from tests.support.events import cloud_event, deliver
from tests.workbook.factories import case_world, write_summary
from workbook_api.app import create_app as create_workbook

Headers = Callable[[Principal], dict[str, str]]
OPEN_SUPERVISION_TRANSACTIONS = """
    SELECT count(*) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND state = 'idle in transaction' AND query ILIKE '%supervision.%'
"""


class Watched:
    """The workbook app, counting supervision's open transactions as each call arrives."""

    def __init__(self, app: Any, database_url: str) -> None:
        self.app = app
        self.database_url = database_url
        self.seen: list[int] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/summaries"):
            connection = await asyncpg.connect(self.database_url)
            try:
                self.seen.append(await connection.fetchval(OPEN_SUPERVISION_TRANSACTIONS))
            finally:
                await connection.close()
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
async def watched_workbook(
    kernel_settings: KernelSettings, database_url: str
) -> AsyncIterator[tuple[Watched, str]]:
    app = create_workbook(kernel_settings)
    watched = Watched(app, database_url)
    async with app.router.lifespan_context(app), serve(watched) as url:
        yield watched, url


@pytest.fixture(scope="module")
async def workbook(kernel_settings: KernelSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with running(create_workbook(kernel_settings)) as client:
        yield client


@pytest.fixture(scope="module")
async def supervision(
    kernel_settings: KernelSettings, watched_workbook: tuple[Watched, str]
) -> AsyncIterator[httpx.AsyncClient]:
    settings = kernel_settings.model_copy(update={"unit_urls": {"workbook": watched_workbook[1]}})
    async with running(create_supervision(settings)) as client:
        yield client


async def test_no_supervision_transaction_waits_on_the_workbook(
    supervision: httpx.AsyncClient,
    workbook: httpx.AsyncClient,
    watched_workbook: tuple[Watched, str],
    internal_headers: Callable[[Principal, str], dict[str, str]],
) -> None:
    watched = watched_workbook[0]
    for_workbook: Headers = lambda who: internal_headers(who, "workbook")  # noqa: E731
    for_supervision: Headers = lambda who: internal_headers(who, "supervision")  # noqa: E731
    world = await case_world(workbook, for_workbook)
    # A GCS held opens the workbook's second episode, where supervision's projection has it.
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
        workbook, for_workbook(world.social_worker), world.case_id, episode=2, narrative="Latest."
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

    agenda = await supervision.get(
        f"/meetings/{booked.json()['id']}/agenda", headers=for_supervision(world.manager)
    )

    assert agenda.status_code == 200, agenda.text
    [item] = agenda.json()["items"]
    assert item["case_id"] == world.case_id
    assert [s["narrative"] for s in item["summaries"]] == ["Latest."]
    assert watched.seen, "the workbook was never asked"
    assert set(watched.seen) == {0}
