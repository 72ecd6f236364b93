"""The workbook learns practitioners from the directory's events and checks allocations by them."""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.event_contracts import DIRECTORY_PRACTITIONER_CHANGED, PractitionerSnapshot
from tests.support.events import TEST_INBOX_SECRET, cloud_event, deliver
from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    case_world,
    outbox_events,
    practitioner_in,
    principal,
    register_practitioner,
)


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def _error(response: httpx.Response) -> tuple[list[str], str]:
    [error] = _problem(response, 422)["errors"]
    return error["location"], error["code"]


async def test_an_allocation_the_directory_does_not_bear_out_is_refused(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    url = f"/cases/{world.case_id}/allocations"
    manager = as_(world.manager)
    stranger = practitioner_in(world.team_id, "recovery_worker")

    unknown = await client.post(
        url,
        json={"practitioner_id": str(stranger.practitioner_id), "discipline": "recovery_worker"},
        headers=manager,
    )
    assert _error(unknown) == (["body", "practitioner_id"], "unknown_practitioner")

    await register_practitioner(client, stranger)
    wrong = await client.post(
        url,
        json={"practitioner_id": str(stranger.practitioner_id), "discipline": "psychologist"},
        headers=manager,
    )
    assert _error(wrong) == (["body", "discipline"], "discipline_mismatch")
    assert "recovery_worker" in wrong.json()["errors"][0]["message"]

    # The record names the practitioner as the directory does, whatever the request typed.
    right = await client.post(
        url,
        json={
            "practitioner_id": str(stranger.practitioner_id),
            "practitioner_name": "Someone Else Entirely",
            "discipline": "recovery_worker",
        },
        headers=manager,
    )
    assert right.status_code == 201, right.text
    assert right.json()["practitioner_name"] == stranger.display_name


async def test_a_leaver_is_refused_and_their_allocations_end(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    leaver = world.specialists["recovery_worker"]
    case_url = f"/cases/{world.case_id}"
    assert (await client.get(case_url, headers=as_(leaver))).status_code == 200

    await register_practitioner(client, leaver, active=False, version=2)

    allocations = (await client.get(f"{case_url}/allocations", headers=as_(world.manager))).json()[
        "items"
    ]
    [ended] = [a for a in allocations if a["practitioner_id"] == str(leaver.practitioner_id)]
    assert ended["ends_at"] is not None
    assert ended["ended_reason"] == "practitioner deactivated in the directory"
    assert (await client.get(case_url, headers=as_(leaver))).status_code == 404
    events = await outbox_events(db_engine, f"cases/{world.case_id}/allocations/{ended['id']}")
    assert [e.data["change"] for e in events] == ["allocated", "ended"]

    again = await client.post(
        f"{case_url}/allocations",
        json={"practitioner_id": str(leaver.practitioner_id), "discipline": leaver.discipline},
        headers=as_(world.manager),
    )
    assert _error(again) == (["body", "practitioner_id"], "inactive_practitioner")
    # Reactivation gives nothing back: allocating again is the manager's decision.
    await register_practitioner(client, leaver, active=True, version=3)
    assert (await client.get(case_url, headers=as_(leaver))).status_code == 404


async def _stored(engine: AsyncEngine, practitioner_id: uuid.UUID) -> tuple[int, str, bool]:
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT version, display_name, active FROM workbook.directory_practitioner"
                    " WHERE id = :id"
                ),
                {"id": practitioner_id},
            )
        ).one()
    return int(row.version), str(row.display_name), bool(row.active)


async def test_deliveries_in_any_order_and_repeated_converge_on_the_newest(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    # 25 seeded shuffles of five versions, each with some deliveries repeated (a missed
    # delivery retried later is one more arrival of the same event id).
    for seed in range(25):
        rng = random.Random(seed)
        worker = principal(discipline="social_worker")
        events = [
            cloud_event(
                DIRECTORY_PRACTITIONER_CHANGED,
                PractitionerSnapshot(
                    practitioner_id=worker.practitioner_id,
                    display_name=f"Name at version {version}",
                    discipline="social_worker",
                    roles=["practitioner"],
                    active=version % 2 == 1,
                    version=version,
                ).model_dump(mode="json"),
            )
            for version in range(1, 6)
        ]
        arrivals = rng.sample(events, len(events)) + rng.choices(events, k=rng.randint(0, 4))
        for event in arrivals:
            assert (await deliver(client, event)).status_code == 204
        stored = await _stored(db_engine, worker.practitioner_id)
        assert stored == (5, "Name at version 5", True), (
            seed,
            [e.data["version"] for e in arrivals],
        )


async def test_the_inbox_takes_only_signed_readable_events_once(
    client: httpx.AsyncClient, db_engine: AsyncEngine
) -> None:
    worker = principal()
    snapshot = PractitionerSnapshot(
        practitioner_id=worker.practitioner_id,
        display_name=worker.display_name,
        discipline=worker.discipline,
        roles=["practitioner"],
        active=True,
        version=1,
    )
    event = cloud_event(DIRECTORY_PRACTITIONER_CHANGED, snapshot.model_dump(mode="json"))

    forged = await deliver(client, event, secret="not-the-" + TEST_INBOX_SECRET)
    assert _problem(forged, 401)["type"].endswith("/invalid-webhook-signature")
    assert (await client.post("/events", json={"type": "x"})).status_code == 401

    assert (await deliver(client, event)).status_code == 204
    assert (await deliver(client, event)).status_code == 204  # a redelivery: applied once
    async with db_engine.connect() as connection:
        seen = await connection.scalar(
            text("SELECT count(*) FROM workbook.inbox_event WHERE id = :id"), {"id": event.id}
        )
    assert seen == 1

    unreadable = cloud_event(DIRECTORY_PRACTITIONER_CHANGED, {"practitioner_id": "nope"})
    assert _problem(await deliver(client, unreadable), 422)["type"].endswith(
        "/event-not-applicable"
    )
    ignored = cloud_event("uk.gov.fsm.directory.something.else", {"anything": 1})
    assert (await deliver(client, ignored)).status_code == 204


async def test_the_inbox_needs_no_user_token_and_takes_no_identity_from_one(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    # A signed delivery is its own authentication; a user's token does not stand in for it.
    worker = principal()
    response = await client.post("/events", json={}, headers=as_(worker))
    assert _problem(response, 401)["type"].endswith("/invalid-webhook-signature")
