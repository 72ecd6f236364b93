"""Cases: opening, reading, listing, closing, reopening, episodes, and what outsiders learn."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    allocate,
    audit_rows,
    case_world,
    child,
    create_family,
    manager_of,
    open_case,
    outbox_events,
    practitioner_in,
    random_nhs_number,
)
from workbook_api.access.repository import load_case_access
from workbook_api.cases.service import open_next_episode
from workbook_api.demo import seed_demo


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def _without_instance(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    body.pop("instance", None)
    return body


# Opening ----------------------------------------------------------------------------------


async def test_manager_opens_case_with_episode_one_and_event(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    team = uuid.uuid4()
    manager = manager_of(team)
    family = await create_family(client, as_(manager), team_id=team)
    response = await client.post(
        "/cases",
        json={"family_id": family["id"], "owning_team_id": str(team), "reason": "Referral in"},
        headers=as_(manager),
    )

    assert response.status_code == 201, response.text
    case = response.json()
    assert response.headers["location"] == f"/cases/{case['id']}"
    assert case["status"] == "open"
    assert case["family_name"] == family["name"]
    assert case["current_episode"]["number"] == 1
    assert case["current_episode"]["opened_by_event"] == "case_opened"
    [event] = await outbox_events(db_engine, f"cases/{case['id']}")
    assert event.type == "uk.gov.fsm.workbook.case.opened"
    assert event.team_id == team
    assert "Referral in" not in str(event.data)  # reasons stay in the workbook
    [row] = await audit_rows(db_engine, response)
    assert (row.action, row.resource_type, str(row.case_id)) == ("create", "case", case["id"])


async def test_only_a_manager_of_the_owning_team_opens_a_case(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team = uuid.uuid4()
    worker = practitioner_in(team, "social_worker")
    family = await create_family(client, as_(worker), team_id=team)
    body = {"family_id": family["id"], "owning_team_id": str(team), "reason": "Referral"}
    _problem(await client.post("/cases", json=body, headers=as_(worker)), 403)
    # A manager of another team cannot see the family at all.
    other = uuid.uuid4()
    hidden = {**body, "owning_team_id": str(other)}
    _problem(await client.post("/cases", json=hidden, headers=as_(manager_of(other))), 404)
    assert (await client.post("/cases", json=body)).status_code == 401


async def test_a_family_has_one_open_case_at_a_time(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team = uuid.uuid4()
    headers = as_(manager_of(team))
    family = await create_family(client, headers, team_id=team)
    body = {"family_id": family["id"], "owning_team_id": str(team), "reason": "Referral"}
    results = await asyncio.gather(
        client.post("/cases", json=body, headers=headers),
        client.post("/cases", json=body, headers=headers),
    )
    assert sorted(r.status_code for r in results) == [201, 409]


# Reading and listing ----------------------------------------------------------------------


async def test_case_is_visible_to_allocated_and_managers_only(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    url = f"/cases/{world.case_id}"
    for who in (world.manager, world.social_worker, *world.specialists.values()):
        response = await client.get(url, headers=as_(who))
        assert response.status_code == 200
        assert response.headers["etag"]
    unallocated = practitioner_in(world.team_id, "social_worker")
    for who in (unallocated, world.outsider, world.outsider_manager):
        response = await client.get(url, headers=as_(who))
        _problem(response, 404)
        [row] = await audit_rows(db_engine, response)
        assert (row.action, row.outcome, str(row.case_id)) == ("read", "not_found", world.case_id)
    assert (await client.get(url)).status_code == 401


async def test_case_detail_lists_current_allocations_social_worker_first(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    detail = (await client.get(f"/cases/{world.case_id}", headers=as_(world.manager))).json()
    allocations = detail["current_allocations"]
    assert allocations[0]["practitioner_id"] == str(world.social_worker.practitioner_id)
    assert allocations[0]["is_allocated_social_worker"] is True
    assert {a["discipline"] for a in allocations[1:]} == set(world.specialists)


async def test_list_cases_filters_and_pages_stably(client: httpx.AsyncClient, as_: Headers) -> None:
    team = uuid.uuid4()
    headers = as_(manager_of(team))
    ids = []
    for _ in range(5):
        family = await create_family(client, headers, team_id=team, members=[])
        ids.append((await open_case(client, headers, family_id=family["id"], team_id=team))["id"])

    first = (await client.get("/cases", params={"limit": 2}, headers=headers)).json()
    assert [c["id"] for c in first["items"]] == ids[::-1][:2]
    family = await create_family(client, headers, team_id=team, members=[])
    await open_case(client, headers, family_id=family["id"], team_id=team)
    seen = [c["id"] for c in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = (
            await client.get("/cases", params={"limit": 2, "cursor": cursor}, headers=headers)
        ).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ids[::-1]

    closed = await client.get(
        "/cases", params={"status": "closed", "owning_team_id": str(team)}, headers=headers
    )
    assert closed.json()["items"] == []
    bad = await client.get("/cases", params={"status": "pending"}, headers=headers)
    _problem(bad, 422)


# Closing and reopening --------------------------------------------------------------------


async def test_closing_ends_allocations_and_episode_and_keeps_history(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    url = f"/cases/{world.case_id}"
    manager = as_(world.manager)
    etag = (await client.get(url, headers=manager)).headers["etag"]

    _problem(
        await client.post(f"{url}/close", json={"reason": "Plan completed"}, headers=manager), 428
    )
    _problem(
        await client.post(
            f"{url}/close",
            json={"reason": "Plan completed"},
            headers={**as_(world.social_worker), "If-Match": etag},
        ),
        403,
    )
    _problem(
        await client.post(
            f"{url}/close",
            json={"reason": "Plan completed"},
            headers={**as_(world.outsider_manager), "If-Match": etag},
        ),
        404,
    )
    closed = await client.post(
        f"{url}/close", json={"reason": "Plan completed"}, headers={**manager, "If-Match": etag}
    )
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["status"] == "closed"
    assert body["closed_reason"] == "Plan completed"
    assert body["current_allocations"] == []
    assert body["current_episode"] is None
    history = (await client.get(f"{url}/allocations", headers=manager)).json()["items"]
    assert len(history) == 1 + len(world.specialists)
    assert all(a["ends_at"] == body["closed_at"] for a in history)
    again = await client.post(
        f"{url}/close",
        json={"reason": "again"},
        headers={**manager, "If-Match": closed.headers["etag"]},
    )
    _problem(again, 409)
    types = [e.type for e in await outbox_events(db_engine, f"cases/{world.case_id}")]
    assert "uk.gov.fsm.workbook.case.closed" in types
    assert types.count("uk.gov.fsm.workbook.allocation.changed") == 2 * len(history)


async def test_closed_case_stays_readable_by_workers_allocated_at_closure(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    url = f"/cases/{world.case_id}"
    manager = as_(world.manager)
    leaver = practitioner_in(world.team_id, "psychologist")
    allocation = await allocate(client, manager, world.case_id, leaver)
    ended = await client.post(
        f"{url}/allocations/{allocation['id']}/end",
        json={"reason": "Work finished"},
        headers={**manager, "If-Match": f'"{uuid.UUID(allocation["id"]).hex}.1"'},
    )
    assert ended.status_code == 200, ended.text
    etag = (await client.get(url, headers=manager)).headers["etag"]
    await client.post(
        f"{url}/close", json={"reason": "Done"}, headers={**manager, "If-Match": etag}
    )

    assert (await client.get(url, headers=as_(world.social_worker))).status_code == 200
    assert (await client.get(url, headers=as_(leaver))).status_code == 404


async def test_reopening_opens_the_next_episode(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    url = f"/cases/{world.case_id}"
    manager = as_(world.manager)
    etag = (await client.get(url, headers=manager)).headers["etag"]
    closed = await client.post(
        f"{url}/close", json={"reason": "Done"}, headers={**manager, "If-Match": etag}
    )
    reopened = await client.post(
        f"{url}/reopen",
        json={"reason": "New concerns"},
        headers={**manager, "If-Match": closed.headers["etag"]},
    )
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "open"
    assert reopened.json()["current_episode"]["number"] == 2
    assert reopened.json()["current_episode"]["opened_by_event"] == "case_reopened"
    # Allocations are not restored: the manager allocates afresh.
    assert (await client.get(url, headers=as_(world.social_worker))).status_code == 404
    episodes = (await client.get(f"{url}/episodes", headers=manager)).json()["items"]
    assert [e["number"] for e in episodes] == [1, 2]
    assert episodes[0]["closed_at"] is not None
    # Each closure's and reopening's reason survives on the episode it ended or began.
    assert episodes[0]["closed_reason"] == "Done"
    assert episodes[1]["opened_reason"] == "New concerns"
    assert reopened.json()["closed_reason"] is None


async def test_concurrent_closes_with_the_same_etag_have_one_winner(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    url = f"/cases/{world.case_id}/close"
    headers = as_(world.manager)
    etag = (await client.get(f"/cases/{world.case_id}", headers=headers)).headers["etag"]
    results = await asyncio.gather(
        client.post(url, json={"reason": "one"}, headers={**headers, "If-Match": etag}),
        client.post(url, json={"reason": "two"}, headers={**headers, "If-Match": etag}),
    )
    assert sorted(r.status_code for r in results) == [200, 412]


# Episodes ---------------------------------------------------------------------------------


async def test_episodes_read_and_next_episode_service(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    url = f"/cases/{world.case_id}/episodes"
    worker = as_(world.specialists["recovery_worker"])
    async with AsyncSession(db_engine, expire_on_commit=False) as session, session.begin():
        access = await load_case_access(session, world.manager, uuid.UUID(world.case_id), lock=True)
        episode = await open_next_episode(session, access.case, "group_supervision")
    assert episode.number == 2

    listed = (await client.get(url, headers=worker)).json()["items"]
    assert [(e["number"], e["opened_by_event"]) for e in listed] == [
        (1, "case_opened"),
        (2, "group_supervision"),
    ]
    assert listed[0]["closed_at"] == listed[1]["opened_at"]
    one = await client.get(f"{url}/2", headers=worker)
    assert one.status_code == 200
    assert one.json()["closed_at"] is None
    _problem(await client.get(f"{url}/9", headers=worker), 404)
    _problem(await client.get(f"{url}/0", headers=worker), 422)
    _problem(await client.get(url, headers=as_(world.outsider)), 404)
    _problem(await client.get(f"{url}/1", headers=as_(world.outsider)), 404)
    assert (await client.get(url)).status_code == 401


# What an outsider can learn ---------------------------------------------------------------


async def test_outsider_learns_nothing_about_another_teams_family_or_case(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    nhs = random_nhs_number()
    member = await client.post(
        f"/families/{world.family_id}/members",
        json=child(identifiers=[{"system": "nhs_number", "value": nhs}]),
        headers=as_(world.manager),
    )
    person_id = member.json()["id"]
    allocation_id = next(iter(world.allocations.values()))["id"]
    secrets = [world.case_id, world.family_id, person_id, nhs, world.family["name"]]
    missing = str(uuid.uuid4())

    for outsider in (world.outsider, world.outsider_manager):
        headers = as_(outsider)
        lists = [
            await client.get("/families", headers=headers),
            await client.get("/cases", headers=headers),
            await client.get("/cases", params={"family_id": world.family_id}, headers=headers),
            await client.get(
                "/people/search",
                params={"identifier_system": "nhs_number", "value": nhs},
                headers=headers,
            ),
        ]
        for response in lists:
            assert response.status_code == 200
            assert all(secret not in response.text for secret in secrets)

        def pairs(target: str, family: str, person: str) -> list[tuple[str, str, Any]]:
            return [
                ("GET", f"/families/{family}", None),
                ("PATCH", f"/families/{family}", {"name": "x"}),
                ("GET", f"/families/{family}/members", None),
                ("POST", f"/families/{family}/members", child(identifiers=[])),
                ("GET", f"/families/{family}/members/{person}", None),
                ("PATCH", f"/families/{family}/members/{person}", {"gender": "x"}),
                ("GET", f"/families/{family}/relationships", None),
                ("GET", f"/cases/{target}", None),
                ("POST", f"/cases/{target}/close", {"reason": "closing"}),
                ("POST", f"/cases/{target}/reopen", {"reason": "reopening"}),
                ("GET", f"/cases/{target}/allocations", None),
                ("GET", f"/cases/{target}/allocations/{allocation_id}", None),
                ("GET", f"/cases/{target}/episodes", None),
                ("GET", f"/cases/{target}/episodes/1", None),
            ]

        hidden = pairs(world.case_id, world.family_id, person_id)
        absent = pairs(missing, missing, missing)
        for (method, path, body), (_, missing_path, _) in zip(hidden, absent, strict=True):
            got = await client.request(
                method, path, json=body, headers={**headers, "If-Match": "*"}
            )
            expected = await client.request(
                method, missing_path, json=body, headers={**headers, "If-Match": "*"}
            )
            assert got.status_code == expected.status_code == 404, (method, path, got.text)
            assert _without_instance(got) == _without_instance(expected), path


# Demo data --------------------------------------------------------------------------------


async def test_demo_seed_is_idempotent_and_uses_the_directorys_practitioners(
    db_engine: AsyncEngine,
) -> None:
    from gateway.directory import demo as directory_demo
    from workbook_api import demo
    from workbook_api.retention import demo as retention_demo

    assert demo.TEAM_NORTH == directory_demo.DEMO_TEAM_NORTH_ID
    assert demo.TEAM_SOUTH == directory_demo.DEMO_TEAM_SOUTH_ID
    directory = {p.id: (p.display_name, p.discipline) for p in directory_demo.DEMO_PRACTITIONERS}
    for practitioner_id, described in demo.DEMO_PRACTITIONERS.items():
        assert directory[practitioner_id] == described
    assert directory_demo.DEMO_PRACTITIONERS[0].id == demo.MANAGER_NORTH
    assert retention_demo.DEMO_DPO_ID == directory_demo.DEMO_DATA_PROTECTION_OFFICER_ID

    for _ in range(2):
        async with AsyncSession(db_engine, expire_on_commit=False) as session, session.begin():
            await seed_demo(session)
    async with db_engine.connect() as connection:
        from sqlalchemy import text

        families = await connection.scalar(
            text("SELECT count(*) FROM workbook.family WHERE name LIKE '%(demo)'")
        )
        open_cases = await connection.scalar(
            text(
                "SELECT count(*) FROM workbook.safeguarding_case c JOIN workbook.family f"
                " ON f.id = c.family_id WHERE f.name LIKE '%(demo)' AND c.status = 'open'"
            )
        )
        holds = await connection.scalar(
            text("SELECT count(*) FROM workbook.retention_hold WHERE reason LIKE 'Demo:%'")
        )
    # Ten families; Ashdown's, Brightwell's and Carrow's statutory cases are open, and early
    # help with Denholm (stepped down), Elmstead and Fairley; Greyfriars', Hartwell's,
    # Ingleby's and Juniper's early help closed (the Supporting Families claims' demo).
    assert (families, open_cases) == (10, 6)
    assert holds == 1
