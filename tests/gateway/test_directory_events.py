"""The directory announces every practitioner and team change; the workbook keeps up by them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from gateway.directory.models import kernel as directory_kernel
from services.relay import OutboxRelay, RelaySettings, Subscriber
from services.settings import KernelSettings, async_database_url
from tests.conftest import running
from tests.gateway.conftest import DirectoryFactory, Person
from tests.gateway.upstreams import EchoUpstream
from tests.support.events import TEST_INBOX_SECRET
from workbook_api.app import create_app as create_workbook

Auth = Callable[[str], dict[str, str]]


@pytest.fixture
async def admin(directory: DirectoryFactory) -> Person:
    return await directory.practitioner(roles=("administrator",), discipline="business_support")


async def announced(engine: AsyncEngine, subject: str) -> list[Any]:
    async with engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT type, data FROM directory.outbox_event WHERE subject = :subject"
                " ORDER BY position"
            ),
            {"subject": subject},
        )
        return list(result.all())


async def create_practitioner(
    gateway: httpx.AsyncClient, headers: dict[str, str], discipline: str = "recovery_worker"
) -> dict[str, Any]:
    response = await gateway.post(
        "/directory/practitioners",
        headers=headers,
        json={
            "subject": f"events-{uuid.uuid4().hex}",
            "display_name": "Announced Practitioner",
            "email": "announced@example.invalid",
            "discipline": discipline,
            "roles": ["practitioner"],
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_each_change_announces_the_whole_practitioner_at_a_higher_version(
    gateway: httpx.AsyncClient,
    auth: Auth,
    admin: Person,
    directory: DirectoryFactory,
    directory_engine: AsyncEngine,
) -> None:
    headers = auth(admin.subject)
    team_id = await directory.team()
    person = await create_practitioner(gateway, headers)
    url = f"/directory/practitioners/{person['id']}"
    joined = await gateway.post(
        f"{url}/memberships", headers=headers, json={"team_id": str(team_id)}
    )
    assert joined.status_code == 201, joined.text
    etag = (await gateway.get(url, headers=headers)).headers["etag"]
    renamed = await gateway.patch(
        url, headers={**headers, "If-Match": etag}, json={"display_name": "Renamed Person"}
    )
    assert renamed.status_code == 200, renamed.text
    left = await gateway.post(
        f"{url}/deactivate", headers={**headers, "If-Match": renamed.headers["etag"]}
    )
    assert left.status_code == 200, left.text

    rows = await announced(directory_engine, f"practitioners/{person['id']}")
    assert {row.type for row in rows} == {"uk.gov.fsm.directory.practitioner.changed"}
    versions = [row.data["version"] for row in rows]
    assert versions == sorted(versions)
    assert len(set(versions)) == 4
    first, joined_team, renamed_row, last = (row.data for row in rows)
    assert first["memberships"] == []
    assert [m["team_id"] for m in joined_team["memberships"]] == [str(team_id)]
    assert renamed_row["display_name"] == "Renamed Person"
    assert last["active"] is False
    # What other units need, and no more: no email, no identity-provider subject.
    assert "email" not in last
    assert "subject" not in last
    assert "announced@example.invalid" not in str([row.data for row in rows])


async def test_the_workbook_learns_the_directory_through_a_real_relay(
    gateway: httpx.AsyncClient,
    auth: Auth,
    admin: Person,
    kernel_settings: KernelSettings,
    database_url: str,
) -> None:
    person = await create_practitioner(gateway, auth(admin.subject), discipline="psychologist")
    engine = create_async_engine(async_database_url(database_url))
    try:
        async with running(create_workbook(kernel_settings)) as workbook:
            relay = OutboxRelay(
                async_sessionmaker(engine, expire_on_commit=False),
                directory_kernel,
                RelaySettings(
                    subscribers=[
                        Subscriber(
                            name="workbook",
                            url="http://workbook.test/events",
                            secret=TEST_INBOX_SECRET,
                            types=["uk.gov.fsm.directory."],
                        )
                    ]
                ),
                workbook,
            )
            while await relay.run_once():
                pass
        async with engine.connect() as connection:
            stored = (
                await connection.execute(
                    text(
                        "SELECT discipline, active FROM workbook.directory_practitioner"
                        " WHERE id = :id"
                    ),
                    {"id": person["id"]},
                )
            ).one()
    finally:
        await engine.dispose()
    assert (stored.discipline, stored.active) == ("psychologist", True)


async def test_the_inbox_is_not_reachable_through_the_gateway(
    gateway: httpx.AsyncClient,
    auth: Auth,
    directory: DirectoryFactory,
    echoes: dict[str, EchoUpstream],
) -> None:
    worker = await directory.practitioner()
    for path in ("/workbook/events", "/workbook/events/", "/supervision/events"):
        response = await gateway.post(path, headers=auth(worker.subject), json={})
        assert response.status_code == 404, path
    assert all(echo.seen == [] for echo in echoes.values())
