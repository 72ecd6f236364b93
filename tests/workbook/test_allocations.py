"""Allocations: who works on a case, one allocated social worker at a time, and history."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    allocate,
    allocation_body,
    audit_rows,
    case_world,
    create_family,
    manager_of,
    open_case,
    outbox_events,
    practitioner_in,
)


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def _etag(allocation: dict[str, Any]) -> str:
    return f'"{uuid.UUID(allocation["id"]).hex}.{allocation["version"]}"'


async def test_manager_allocates_and_the_worker_gains_access(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    team = uuid.uuid4()
    manager = manager_of(team)
    family = await create_family(client, as_(manager), team_id=team, members=[])
    case = await open_case(client, as_(manager), family_id=family["id"], team_id=team)
    worker = practitioner_in(team, "mental_health_practitioner")
    assert (await client.get(f"/cases/{case['id']}", headers=as_(worker))).status_code == 404

    response = await client.post(
        f"/cases/{case['id']}/allocations",
        json=await allocation_body(client, worker),
        headers=as_(manager),
    )
    assert response.status_code == 201, response.text
    allocation = response.json()
    assert allocation["practitioner_name"] == worker.display_name
    assert allocation["ends_at"] is None
    assert response.headers["etag"] == _etag(allocation)
    assert (await client.get(f"/cases/{case['id']}", headers=as_(worker))).status_code == 200
    [event] = await outbox_events(db_engine, f"cases/{case['id']}/allocations/")
    assert event.type == "uk.gov.fsm.workbook.allocation.changed"
    assert event.data["change"] == "allocated"
    assert event.data["practitioner_id"] == str(worker.practitioner_id)
    [row] = await audit_rows(db_engine, response)
    assert (row.action, row.resource_id) == ("allocate", allocation["id"])


async def test_only_the_owning_teams_manager_allocates(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    url = f"/cases/{world.case_id}/allocations"
    body = await allocation_body(client, practitioner_in(world.team_id, "psychologist"))
    _problem(await client.post(url, json=body, headers=as_(world.social_worker)), 403)
    _problem(await client.post(url, json=body, headers=as_(world.outsider_manager)), 404)
    _problem(await client.post(url, json=body, headers=as_(world.outsider)), 404)
    assert (await client.post(url, json=body)).status_code == 401
    assert (await client.get(url)).status_code == 401
    _problem(await client.get(url, headers=as_(world.outsider)), 404)


async def test_one_allocated_social_worker_at_a_time(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    manager = as_(world.manager)
    url = f"/cases/{world.case_id}/allocations"
    newcomer = practitioner_in(world.team_id, "consultant_social_worker")

    refused = await client.post(
        url, json=await allocation_body(client, newcomer, social_worker=True), headers=manager
    )
    problem = _problem(refused, 409)
    assert problem["type"].endswith("/social-worker-already-allocated")
    current = world.allocations[world.social_worker.practitioner_id]
    assert problem["conflicting_allocation_id"] == current["id"]

    # Handover: the old allocation ends at the instant the new one starts.
    handover = datetime.now(UTC) + timedelta(minutes=5)
    ended = await client.post(
        f"{url}/{current['id']}/end",
        json={"ends_at": handover.isoformat(), "reason": "Handover"},
        headers={**manager, "If-Match": _etag(current)},
    )
    assert ended.status_code == 200, ended.text
    taken = await client.post(
        url,
        json=await allocation_body(
            client, newcomer, social_worker=True, starts_at=handover.isoformat()
        ),
        headers=manager,
    )
    assert taken.status_code == 201, taken.text
    # Both overlap an hour later, so a third is refused for that period too.
    later = (handover + timedelta(hours=1)).isoformat()
    third = practitioner_in(world.team_id, "social_worker")
    _problem(
        await client.post(
            url,
            json=await allocation_body(client, third, social_worker=True, starts_at=later),
            headers=manager,
        ),
        409,
    )


async def test_concurrent_social_worker_allocations_have_one_winner(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team = uuid.uuid4()
    manager = manager_of(team)
    family = await create_family(client, as_(manager), team_id=team, members=[])
    case = await open_case(client, as_(manager), family_id=family["id"], team_id=team)
    url = f"/cases/{case['id']}/allocations"
    first, second = (practitioner_in(team, "social_worker") for _ in range(2))
    results = await asyncio.gather(
        client.post(
            url, json=await allocation_body(client, first, social_worker=True), headers=as_(manager)
        ),
        client.post(
            url,
            json=await allocation_body(client, second, social_worker=True),
            headers=as_(manager),
        ),
    )
    assert sorted(r.status_code for r in results) == [201, 409]
    current = (await client.get(url, params={"state": "current"}, headers=as_(manager))).json()
    assert sum(a["is_allocated_social_worker"] for a in current["items"]) == 1


async def test_allocation_rules(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    manager = as_(world.manager)
    url = f"/cases/{world.case_id}/allocations"
    specialist = world.specialists["recovery_worker"]

    not_social_work = await client.post(
        url,
        json=await allocation_body(
            client, practitioner_in(world.team_id, "recovery_worker"), social_worker=True
        ),
        headers=manager,
    )
    assert _problem(not_social_work, 422)["errors"][0]["location"] == ["body", "discipline"]
    twice = await client.post(url, json=await allocation_body(client, specialist), headers=manager)
    assert _problem(twice, 409)["type"].endswith("/practitioner-already-allocated")
    backwards = await client.post(
        url,
        json=await allocation_body(
            client,
            practitioner_in(world.team_id),
            starts_at="2030-01-02T00:00:00Z",
            ends_at="2030-01-01T00:00:00Z",
        ),
        headers=manager,
    )
    _problem(backwards, 422)
    naive = await client.post(
        url,
        json=await allocation_body(
            client, practitioner_in(world.team_id), starts_at="2030-01-02T00:00:00"
        ),
        headers=manager,
    )
    _problem(naive, 422)
    bad_code = await client.post(
        url,
        json=await allocation_body(client, specialist, discipline="Not A Code"),
        headers=manager,
    )
    _problem(bad_code, 422)


async def test_future_allocation_gives_no_access_until_it_starts(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    worker = practitioner_in(world.team_id, "parenting_assessor")
    starts = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    await allocate(client, as_(world.manager), world.case_id, worker, starts_at=starts)
    assert (await client.get(f"/cases/{world.case_id}", headers=as_(worker))).status_code == 404


async def test_ending_an_allocation_removes_access_and_keeps_history(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    manager = as_(world.manager)
    specialist = world.specialists["da_victim_worker"]
    allocation = world.allocations[specialist.practitioner_id]
    url = f"/cases/{world.case_id}/allocations/{allocation['id']}"

    _problem(await client.post(f"{url}/end", json={}, headers=manager), 428)
    _problem(
        await client.post(
            f"{url}/end",
            json={},
            headers={**as_(world.social_worker), "If-Match": _etag(allocation)},
        ),
        403,
    )
    _problem(
        await client.post(f"{url}/end", json={}, headers={**manager, "If-Match": '"x.9"'}), 412
    )
    ended = await client.post(
        f"{url}/end",
        json={"reason": "Work completed"},
        headers={**manager, "If-Match": _etag(allocation)},
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["ended_reason"] == "Work completed"
    assert (await client.get(f"/cases/{world.case_id}", headers=as_(specialist))).status_code == 404
    again = await client.post(
        f"{url}/end", json={}, headers={**manager, "If-Match": ended.headers["etag"]}
    )
    _problem(again, 409)

    listing = f"/cases/{world.case_id}/allocations"
    past = (await client.get(listing, params={"state": "past"}, headers=manager)).json()["items"]
    current = (await client.get(listing, params={"state": "current"}, headers=manager)).json()
    assert [a["id"] for a in past] == [allocation["id"]]
    assert allocation["id"] not in [a["id"] for a in current["items"]]
    read = await client.get(url, headers=as_(world.social_worker))
    assert read.status_code == 200
    assert read.json()["ends_at"] is not None
    _problem(await client.get(url, headers=as_(world.outsider)), 404)
    changes = [
        e.data["change"]
        for e in await outbox_events(
            db_engine, f"cases/{world.case_id}/allocations/{allocation['id']}"
        )
    ]
    assert changes == ["allocated", "ended"]


async def test_no_allocation_to_a_closed_case(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    manager = as_(world.manager)
    etag = (await client.get(f"/cases/{world.case_id}", headers=manager)).headers["etag"]
    await client.post(
        f"/cases/{world.case_id}/close",
        json={"reason": "Done"},
        headers={**manager, "If-Match": etag},
    )
    late = await client.post(
        f"/cases/{world.case_id}/allocations",
        json=await allocation_body(client, practitioner_in(world.team_id)),
        headers=manager,
    )
    _problem(late, 409)


async def test_database_refuses_overlapping_social_workers_without_the_service(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    statement = text(
        "INSERT INTO workbook.allocation (id, case_id, practitioner_id, practitioner_name,"
        " discipline, is_allocated_social_worker, starts_at, allocated_by_practitioner_id,"
        " version) VALUES (:id, :case, :who, 'x', 'social_worker', true, now(), :who, 1)"
    )
    with pytest.raises(IntegrityError, match="ex_allocation_one_social_worker"):
        async with db_engine.begin() as connection:
            await connection.execute(
                statement, {"id": uuid.uuid4(), "case": world.case_id, "who": uuid.uuid4()}
            )


async def test_retried_allocation_with_idempotency_key_replays(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    headers = {**as_(world.manager), "Idempotency-Key": f"alloc-{uuid.uuid4()}"}
    body = await allocation_body(client, practitioner_in(world.team_id, "psychologist"))
    url = f"/cases/{world.case_id}/allocations"
    first = await client.post(url, json=body, headers=headers)
    retry = await client.post(url, json=body, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers["idempotent-replayed"] == "true"
