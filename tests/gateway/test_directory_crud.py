"""Directory administration: create, read, list, update with If-Match, idempotency, audit."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.gateway.conftest import DirectoryFactory, Person, SettingsFactory, open_gateway
from tests.gateway.upstreams import EchoUpstream

Auth = Callable[[str], dict[str, str]]


@pytest.fixture
async def admin(directory: DirectoryFactory) -> Person:
    return await directory.practitioner(roles=("administrator",), discipline="business_support")


def unique(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:10]}"


async def audit_rows(engine: AsyncEngine, resource_id: str) -> list[Any]:
    async with engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT action, outcome, actor_subject, details, request_id"
                " FROM directory.audit_log WHERE resource_id = :id ORDER BY position"
            ),
            {"id": resource_id},
        )
        return list(result.all())


async def test_team_lifecycle_with_etags_and_audit(
    gateway: httpx.AsyncClient, auth: Auth, admin: Person, directory_engine: AsyncEngine
) -> None:
    headers = auth(admin.subject)
    name = unique("Team East")
    created = await gateway.post(
        "/directory/teams", headers=headers, json={"name": f"  {name} ", "code": "EAST-1x"}
    )
    assert created.status_code == 201, created.text
    team = created.json()
    assert team["name"] == name
    assert created.headers["location"] == f"/directory/teams/{team['id']}"
    etag = created.headers["etag"]

    read = await gateway.get(f"/directory/teams/{team['id']}", headers=headers)
    assert read.status_code == 200
    assert read.headers["etag"] == etag

    url = f"/directory/teams/{team['id']}"
    missing = await gateway.patch(url, headers=headers, json={"name": unique("Renamed")})
    assert missing.status_code == 428
    assert missing.headers["content-type"] == "application/problem+json"

    renamed = unique("Team East Renamed")
    updated = await gateway.patch(
        url, headers={**headers, "If-Match": etag}, json={"name": renamed}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == renamed
    assert updated.headers["etag"] != etag

    stale = await gateway.patch(url, headers={**headers, "If-Match": etag}, json={"active": False})
    assert stale.status_code == 412
    assert (await gateway.get(url, headers=headers)).json()["active"] is True

    rows = await audit_rows(directory_engine, team["id"])
    assert [row.action for row in rows] == ["directory.team.created", "directory.team.updated"]
    assert all(row.actor_subject == admin.subject and row.outcome == "success" for row in rows)
    assert rows[1].details["fields"] == ["name"]
    assert rows[1].request_id == updated.headers["x-request-id"]


async def test_duplicate_team_is_409_and_bad_input_is_422(
    gateway: httpx.AsyncClient, auth: Auth, admin: Person
) -> None:
    headers = auth(admin.subject)
    name = unique("Team Dup")
    first = await gateway.post(
        "/directory/teams", headers=headers, json={"name": name, "code": uuid.uuid4().hex[:8]}
    )
    assert first.status_code == 201
    again = await gateway.post(
        "/directory/teams", headers=headers, json={"name": name, "code": "other"}
    )
    assert again.status_code == 409
    for body in (
        {"name": "", "code": "X"},
        {"name": "Team", "code": "bad code!"},
        {"name": "Team", "code": "X", "extra": 1},
        {"name": "Team"},
    ):
        response = await gateway.post("/directory/teams", headers=headers, json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
    empty = await gateway.patch(
        f"/directory/teams/{first.json()['id']}",
        headers={**headers, "If-Match": first.headers["etag"]},
        json={},
    )
    assert empty.status_code == 422


async def test_idempotent_team_create_replays_and_refuses_a_different_body(
    gateway: httpx.AsyncClient, auth: Auth, admin: Person
) -> None:
    headers = {**auth(admin.subject), "Idempotency-Key": uuid.uuid4().hex}
    body = {"name": unique("Team Idem"), "code": uuid.uuid4().hex[:10]}
    first = await gateway.post("/directory/teams", headers=headers, json=body)
    second = await gateway.post("/directory/teams", headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert second.headers.get("idempotent-replayed") == "true"
    assert second.headers["etag"] == first.headers["etag"]
    listed = await gateway.get("/directory/teams?limit=200", headers=auth(admin.subject))
    pages = [t for t in listed.json()["items"] if t["name"] == body["name"]]
    assert len(pages) <= 1
    other = await gateway.post(
        "/directory/teams", headers=headers, json={**body, "name": unique("Other")}
    )
    assert other.status_code == 422


async def test_team_list_is_keyset_paginated(
    gateway: httpx.AsyncClient, auth: Auth, admin: Person, directory: DirectoryFactory
) -> None:
    prefix = f"Page {uuid.uuid4().hex[:8]}"
    ours = [await directory.team(name=f"{prefix} {n}") for n in ("c", "a", "b", "e", "d")]
    headers = auth(admin.subject)
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = await gateway.get(f"/directory/teams?{query}", headers=headers)
        assert page.status_code == 200
        assert len(page.json()["items"]) <= 2
        seen.extend(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    ids = [t["id"] for t in seen]
    assert len(ids) == len(set(ids))
    names = [t["name"] for t in seen]
    assert names == sorted(names)
    assert [t["name"] for t in seen if t["name"].startswith(prefix)] == [
        f"{prefix} {n}" for n in "abcde"
    ]
    assert {str(t) for t in ours} <= set(ids)
    bad = await gateway.get("/directory/teams?cursor=not-a-cursor", headers=headers)
    assert bad.status_code == 400
    too_big = await gateway.get("/directory/teams?limit=100000", headers=headers)
    assert too_big.status_code == 422


async def test_practitioner_lifecycle(
    gateway: httpx.AsyncClient,
    auth: Auth,
    admin: Person,
    directory: DirectoryFactory,
    directory_engine: AsyncEngine,
) -> None:
    headers = auth(admin.subject)
    team = await directory.team()
    subject = f"idp|{uuid.uuid4().hex}"
    created = await gateway.post(
        "/directory/practitioners",
        headers=headers,
        json={
            "subject": subject,
            "display_name": "Synthetic Recovery Worker",
            "email": " Synthetic.Worker@Council.Example ",
            "discipline": "recovery_worker",
            "roles": ["practitioner"],
        },
    )
    assert created.status_code == 201, created.text
    person = created.json()
    assert person["email"] == "synthetic.worker@council.example"
    url = f"/directory/practitioners/{person['id']}"

    # A new practitioner can sign in at once, with no teams yet.
    me = await gateway.get("/me", headers=auth(subject))
    assert me.status_code == 200
    assert me.json()["discipline"] == "recovery_worker"
    assert me.json()["teams"] == []

    joined = await gateway.post(
        f"{url}/memberships", headers=headers, json={"team_id": str(team), "role_in_team": "member"}
    )
    assert joined.status_code == 201, joined.text
    assert joined.json()["current"] is True
    twice = await gateway.post(f"{url}/memberships", headers=headers, json={"team_id": str(team)})
    assert twice.status_code == 409
    me = await gateway.get("/me", headers=auth(subject))
    assert me.json()["team_ids"] == [str(team)]

    etag = (await gateway.get(url, headers=headers)).headers["etag"]
    promoted = await gateway.patch(
        url,
        headers={**headers, "If-Match": etag},
        json={"roles": ["team_manager", "practitioner", "practitioner"]},
    )
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["roles"] == ["practitioner", "team_manager"]
    assert (await gateway.get("/me", headers=auth(subject))).json()["roles"] == [
        "practitioner",
        "team_manager",
    ]

    unknown = await gateway.patch(
        url,
        headers={**headers, "If-Match": promoted.headers["etag"]},
        json={"discipline": "astrologer"},
    )
    assert unknown.status_code == 422

    ended = await gateway.post(
        f"{url}/memberships/{joined.json()['id']}/end", headers=headers, json={}
    )
    assert ended.status_code == 200
    assert ended.json()["current"] is False
    assert (await gateway.get("/me", headers=auth(subject))).json()["team_ids"] == []
    history = await gateway.get(f"{url}/memberships", headers=headers)
    assert [m["id"] for m in history.json()["items"]] == [joined.json()["id"]]

    deactivated = await gateway.post(f"{url}/deactivate", headers=headers)
    assert deactivated.status_code == 200
    assert deactivated.json()["active"] is False
    assert (await gateway.get("/me", headers=auth(subject))).status_code == 403
    assert (await gateway.get("/workbook/cases", headers=auth(subject))).status_code == 403
    assert (await gateway.get(url, headers=headers)).status_code == 200  # never deleted

    reactivated = await gateway.post(f"{url}/activate", headers=headers)
    assert reactivated.json()["active"] is True
    assert (await gateway.get("/me", headers=auth(subject))).status_code == 200

    actions = [row.action for row in await audit_rows(directory_engine, person["id"])]
    assert actions == [
        "directory.practitioner.created",
        "directory.practitioner.updated",
        "directory.practitioner.deactivated",
        "directory.practitioner.activated",
    ]
    details = [row.details for row in await audit_rows(directory_engine, person["id"])]
    assert "Synthetic" not in str(details)  # no names or emails in the audit details


async def test_duplicate_subject_is_409(
    gateway: httpx.AsyncClient, auth: Auth, admin: Person, directory: DirectoryFactory
) -> None:
    existing = await directory.practitioner()
    response = await gateway.post(
        "/directory/practitioners",
        headers=auth(admin.subject),
        json={"subject": existing.subject, "display_name": "X", "discipline": "social_worker"},
    )
    assert response.status_code == 409


async def test_deactivation_reaches_other_replicas_at_once(
    gateway_settings: SettingsFactory,
    auth: Auth,
    admin: Person,
    directory: DirectoryFactory,
    echoes: dict[str, EchoUpstream],
) -> None:
    import asyncio
    import time

    worker = await directory.practitioner()
    # Both replicas cache for a minute: only hearing of the change makes B refuse.
    async with (
        open_gateway(gateway_settings(principal_cache_ttl_seconds=60), echoes) as (
            a_app,
            replica_a,
        ),
        open_gateway(gateway_settings(principal_cache_ttl_seconds=60), echoes) as (
            b_app,
            replica_b,
        ),
    ):
        for app in (a_app, b_app):
            for _ in range(500):  # listening within 5 s, or the test fails below
                if app.state.gateway.principals.listening:
                    break
                await asyncio.sleep(0.01)
            assert app.state.gateway.principals.listening
        for replica in (replica_a, replica_b):
            assert (
                await replica.get("/workbook/cases", headers=auth(worker.subject))
            ).status_code == 200
        done = await replica_a.post(
            f"/directory/practitioners/{worker.id}/deactivate", headers=auth(admin.subject)
        )
        assert done.status_code == 200
        assert (
            await replica_a.get("/workbook/cases", headers=auth(worker.subject))
        ).status_code == 403
        deadline = time.monotonic() + 1.0
        while (
            status := (await replica_b.get("/workbook/cases", headers=auth(worker.subject)))
        ).status_code == 200:
            assert time.monotonic() < deadline, "replica B still admits a deactivated worker"
            await asyncio.sleep(0.02)
        assert status.status_code == 403


async def test_own_endpoints_refuse_large_bodies(
    gateway: httpx.AsyncClient, auth: Auth, admin: Person
) -> None:
    response = await gateway.post(
        "/directory/teams",
        headers={**auth(admin.subject), "Content-Type": "application/json"},
        content=b'{"name": "' + b"x" * 100_000 + b'", "code": "X"}',
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
