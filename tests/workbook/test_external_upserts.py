"""Upserts by external id: created once, changed only with If-Match, repeated harmlessly."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    audit_rows,
    create_family,
    if_match,
    manager_of,
    open_case,
    outbox_events,
    practitioner_in,
    random_nhs_number,
    random_upn,
    register_practitioner,
    system_principal,
)

SYSTEM = "mosaic"


def key(prefix: str) -> str:
    """A fresh external id."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


async def put_family(
    client: httpx.AsyncClient, headers: dict[str, str], team: uuid.UUID, family_key: str
) -> httpx.Response:
    return await client.put(
        f"/families/by-external-id/{SYSTEM}/{family_key}",
        json={"name": "Imported family", "owning_team_id": str(team)},
        headers=headers,
    )


def person_body(family_key: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "family_external_id": family_key,
        "role": "child",
        "given_name": "Sam",
        "family_name": "Example",
        "date_of_birth": "2018-03-15",
        "nhs_number": random_nhs_number(),
    }
    body.update(overrides)
    return body


# Families ---------------------------------------------------------------------------------


async def test_family_is_created_once_and_changed_only_with_if_match(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    system = as_(system_principal())
    team, family_key = uuid.uuid4(), key("F")

    first = await put_family(client, system, team, family_key)
    assert first.status_code == 201, first.text
    family = first.json()
    assert first.headers["location"] == f"/families/{family['id']}"
    assert [(k["system"], k["value"], k["matched_on"]) for k in family["external_ids"]] == [
        (SYSTEM, family_key, None)
    ]
    [audit] = await audit_rows(db_engine, first)
    assert (audit.action, audit.resource_type, audit.resource_id) == (
        "upsert",
        "family",
        family["id"],
    )
    assert audit.details["outcome"] == "created"

    again = await put_family(client, system, team, family_key)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == family["id"]
    assert again.headers["etag"] == first.headers["etag"]

    renamed = {"name": "Renamed family", "owning_team_id": str(team)}
    path = f"/families/by-external-id/{SYSTEM}/{family_key}"
    problem(await client.put(path, json=renamed, headers=system), 428)
    stale = if_match(system, f'"{uuid.UUID(family["id"]).hex}.99"')
    problem(await client.put(path, json=renamed, headers=stale), 412)
    changed = await client.put(path, json=renamed, headers=if_match(system, first.headers["etag"]))
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Renamed family"
    assert changed.json()["version"] == family["version"] + 1

    read = await client.get(path, headers=system)
    assert read.status_code == 200
    assert read.headers["etag"] == changed.headers["etag"]
    # The family is the same one the record's own API shows.
    manager = manager_of(team)
    shown = await client.get(f"/families/{family['id']}", headers=as_(manager))
    assert shown.status_code == 200
    assert shown.json()["name"] == "Renamed family"


async def test_upserts_are_for_the_system_of_record_only(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team = uuid.uuid4()
    for who in (manager_of(team), practitioner_in(team)):
        refused = await put_family(client, as_(who), team, key("F"))
        problem(refused, 403)
        problem(await client.get(f"/families/by-external-id/{SYSTEM}/F1", headers=as_(who)), 403)
    anonymous = await client.put(
        f"/families/by-external-id/{SYSTEM}/F1", json={"name": "x", "owning_team_id": str(team)}
    )
    problem(anonymous, 401)


async def test_unknown_keys_systems_and_teams_are_refused(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    system = as_(system_principal())
    missing = await client.get(f"/families/by-external-id/{SYSTEM}/{key('F')}", headers=system)
    problem(missing, 404)
    unknown_system = await client.get("/families/by-external-id/nosuchsystem/F1", headers=system)
    assert problem(unknown_system, 422)["errors"][0]["location"] == ["path", "system"]
    bad_key = await client.get(f"/families/by-external-id/{SYSTEM}/bad%20key", headers=system)
    problem(bad_key, 422)
    team, family_key = uuid.uuid4(), key("F")
    assert (await put_family(client, system, team, family_key)).status_code == 201
    moved = await put_family(client, system, uuid.uuid4(), family_key)
    body = problem(moved, 409)
    assert body["errors"][0]["location"] == ["body", "owning_team_id"]


# People -----------------------------------------------------------------------------------


async def test_person_is_created_with_identifiers_and_updated_with_if_match(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    system = as_(system_principal())
    team, family_key, person_key = uuid.uuid4(), key("F"), key("P")
    await put_family(client, system, team, family_key)
    upn = random_upn()
    body = person_body(family_key, upn=upn, local_id="LEGACY-1" + uuid.uuid4().hex[:6])
    path = f"/people/by-external-id/{SYSTEM}/{person_key}"

    first = await client.put(path, json=body, headers=system)
    assert first.status_code == 201, first.text
    person = first.json()
    assert {(i["system"], i["value"]) for i in person["identifiers"]} == {
        ("nhs_number", body["nhs_number"]),
        ("upn", upn),
        ("system_of_record", body["local_id"]),
    }
    assert (await client.put(path, json=body, headers=system)).status_code == 200

    # Leaving a member out never erases what the workbook holds.
    sparse = {k: v for k, v in body.items() if k not in ("date_of_birth", "upn", "local_id")}
    unchanged = await client.put(path, json=sparse, headers=system)
    assert unchanged.status_code == 200
    assert unchanged.json()["date_of_birth"] == "2018-03-15"

    renamed = {**body, "given_name": "Samuel"}
    problem(await client.put(path, json=renamed, headers=system), 428)
    done = await client.put(path, json=renamed, headers=if_match(system, first.headers["etag"]))
    assert done.status_code == 200, done.text
    assert done.json()["given_name"] == "Samuel"

    other_nhs = await client.put(
        path,
        json={**renamed, "nhs_number": random_nhs_number()},
        headers=if_match(system, done.headers["etag"]),
    )
    assert problem(other_nhs, 409)["errors"][0]["location"] == ["body", "nhs_number"]


async def test_person_of_an_unknown_family_is_refused_naming_the_field(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    system = as_(system_principal())
    response = await client.put(
        f"/people/by-external-id/{SYSTEM}/{key('P')}",
        json=person_body(key("F")),
        headers=system,
    )
    body = problem(response, 422)
    assert body["errors"][0]["location"] == ["body", "family_external_id"]
    assert body["errors"][0]["code"] == "unknown_family"


async def test_one_certain_match_links_the_person_recorded_by_hand(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    team = uuid.uuid4()
    manager = manager_of(team)
    nhs = random_nhs_number()
    family = await create_family(
        client,
        as_(manager),
        team_id=team,
        members=[
            {
                "role": "child",
                "given_name": "Ava",
                "family_name": "Hand",
                "date_of_birth": "2017-06-01",
                "identifiers": [{"system": "nhs_number", "value": nhs}],
            }
        ],
    )
    child_id = family["members"][0]["id"]
    system = as_(system_principal())
    family_key, person_key = key("F"), key("P")
    linked_family = await client.put(
        f"/families/{family['id']}/external-ids/{SYSTEM}",
        json={"value": family_key},
        headers=as_(manager),
    )
    assert linked_family.status_code == 201, linked_family.text

    response = await client.put(
        f"/people/by-external-id/{SYSTEM}/{person_key}",
        json=person_body(
            family_key,
            given_name="Ava",
            family_name="Hand",
            date_of_birth="2017-06-01",
            nhs_number=nhs,
            upn=random_upn(),
        ),
        headers=system,
    )

    assert response.status_code == 200, response.text
    person = response.json()
    assert person["id"] == child_id
    [linked] = [k for k in person["external_ids"] if k["system"] == SYSTEM]
    assert (linked["value"], linked["matched_on"]) == (person_key, "nhs_number")
    assert {i["system"] for i in person["identifiers"]} == {"nhs_number", "upn"}
    [audit] = await audit_rows(db_engine, response)
    assert (audit.details["outcome"], audit.details["matched_on"]) == ("linked", "nhs_number")


async def test_an_uncertain_match_waits_for_a_manager_and_changes_nothing(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    team = uuid.uuid4()
    manager = manager_of(team)
    nhs, upn = random_nhs_number(), random_upn()
    family = await create_family(
        client,
        as_(manager),
        team_id=team,
        members=[
            {
                "role": "child",
                "given_name": "Ben",
                "family_name": "One",
                "date_of_birth": "2016-01-01",
                "identifiers": [{"system": "nhs_number", "value": nhs}],
            },
            {
                "role": "child",
                "given_name": "Ben",
                "family_name": "Two",
                "date_of_birth": "2016-01-01",
                "identifiers": [{"system": "upn", "value": upn}],
            },
        ],
    )
    system = as_(system_principal())
    family_key, person_key = key("F"), key("P")
    await client.put(
        f"/families/{family['id']}/external-ids/{SYSTEM}",
        json={"value": family_key},
        headers=as_(manager),
    )
    body = person_body(family_key, given_name="Ben", nhs_number=nhs, upn=upn)
    path = f"/people/by-external-id/{SYSTEM}/{person_key}"

    response = await client.put(path, json=body, headers=system)

    assert response.status_code == 202, response.text
    review = response.json()
    assert response.headers["location"] == f"/match-reviews/{review['id']}"
    assert review["status"] == "pending"
    assert sorted(c["person_id"] for c in review["candidates"]) == sorted(
        m["id"] for m in family["members"]
    )
    problem(await client.get(path, headers=system), 404)
    again = await client.put(path, json=body, headers=system)
    assert again.status_code == 202
    assert again.json()["id"] == review["id"]
    assert again.json()["version"] == review["version"]

    # The team's manager sees it, an outsider does not, and a practitioner has no queue.
    queue = await client.get("/match-reviews", headers=as_(manager))
    assert [r["id"] for r in queue.json()["items"]] == [review["id"]]
    outsider = manager_of(uuid.uuid4())
    problem(await client.get(f"/match-reviews/{review['id']}", headers=as_(outsider)), 404)
    problem(await client.get("/match-reviews", headers=as_(practitioner_in(team))), 403)

    read = await client.get(f"/match-reviews/{review['id']}", headers=as_(manager))
    first = family["members"][0]["id"]
    problem(
        await client.post(
            f"/match-reviews/{review['id']}/resolve",
            json={"decision": "link", "person_id": first, "reason": "Same child; UPN mistyped."},
            headers=as_(system_principal()),
        ),
        403,
    )
    decided = await client.post(
        f"/match-reviews/{review['id']}/resolve",
        json={"decision": "link", "person_id": first, "reason": "Same child; UPN mistyped."},
        headers=if_match(as_(manager), read.headers["etag"]),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "linked"
    assert decided.json()["person_id"] == first
    [audit] = await audit_rows(db_engine, decided)
    assert audit.details["decision"] == "link"
    assert audit.details["withheld"] == ["upn"]
    now_known = await client.get(path, headers=system)
    assert now_known.status_code == 200
    assert now_known.json()["id"] == first
    problem(
        await client.post(
            f"/match-reviews/{review['id']}/resolve",
            json={"decision": "reject", "reason": "Changed my mind."},
            headers=if_match(as_(manager), decided.headers["etag"]),
        ),
        409,
    )


# Cases and allocations --------------------------------------------------------------------


async def test_case_opened_by_key_publishes_what_the_api_publishes(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    system_principal_ = system_principal()
    system = as_(system_principal_)
    team, family_key, case_key = uuid.uuid4(), key("F"), key("C")
    await put_family(client, system, team, family_key)
    opened_at = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    path = f"/cases/by-external-id/{SYSTEM}/{case_key}"
    body = {"family_external_id": family_key, "owning_team_id": str(team), "opened_at": opened_at}

    created = await client.put(path, json=body, headers=system)

    assert created.status_code == 201, created.text
    case = created.json()
    assert case["status"] == "open"
    [event] = await outbox_events(db_engine, f"cases/{case['id']}")
    assert event.type == "uk.gov.fsm.workbook.case.opened"
    assert event.data["episode_number"] == 1
    assert event.data["owning_team_id"] == str(team)
    # The manager of the owning team sees it as any case, episode 1 open.
    manager = manager_of(team)
    shown = await client.get(f"/cases/{case['id']}", headers=as_(manager))
    assert shown.json()["current_episode"]["number"] == 1
    assert (await client.put(path, json=body, headers=system)).status_code == 200

    worker = practitioner_in(team)
    await register_practitioner(client, worker)
    allocation_key = key("A")
    allocation = await client.put(
        f"/allocations/by-external-id/{SYSTEM}/{allocation_key}",
        json={
            "case_external_id": case_key,
            "practitioner_id": str(worker.practitioner_id),
            "discipline": "social_worker",
            "is_allocated_social_worker": True,
            "starts_at": opened_at,
        },
        headers=system,
    )
    assert allocation.status_code == 201, allocation.text
    assert (await client.get(f"/cases/{case['id']}", headers=as_(worker))).status_code == 200

    closed_at = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    closing = {**body, "closed_at": closed_at, "closed_reason": "Stepped down to early help."}
    problem(await client.put(path, json=closing, headers=system), 428)
    closed = await client.put(path, json=closing, headers=if_match(system, created.headers["etag"]))
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    types = [e.type for e in await outbox_events(db_engine, f"cases/{case['id']}")]
    assert types == [
        "uk.gov.fsm.workbook.case.opened",
        "uk.gov.fsm.workbook.allocation.changed",
        "uk.gov.fsm.workbook.case.closed",
        "uk.gov.fsm.workbook.allocation.changed",
    ]
    ended = await client.get(
        f"/allocations/by-external-id/{SYSTEM}/{allocation_key}", headers=system
    )
    assert ended.json()["ends_at"] is not None
    async with db_engine.connect() as connection:
        closed_when = await connection.scalar(
            text("SELECT closed_at FROM workbook.safeguarding_case WHERE id = :id"),
            {"id": case["id"]},
        )
    assert closed_when == datetime.fromisoformat(closed_at)


async def test_a_family_open_case_made_here_is_linked_not_doubled(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team = uuid.uuid4()
    manager = manager_of(team)
    family = await create_family(client, as_(manager), team_id=team)
    case = await open_case(client, as_(manager), family_id=family["id"], team_id=team)
    system = as_(system_principal())
    family_key, case_key = key("F"), key("C")
    await client.put(
        f"/families/{family['id']}/external-ids/{SYSTEM}",
        json={"value": family_key},
        headers=as_(manager),
    )
    body = {
        "family_external_id": family_key,
        "owning_team_id": str(team),
        "opened_at": (datetime.now(UTC) - timedelta(days=3)).isoformat(),
    }
    linked = await client.put(
        f"/cases/by-external-id/{SYSTEM}/{case_key}", json=body, headers=system
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["id"] == case["id"]
    assert linked.json()["external_ids"][0]["matched_on"] == "open_case"
    second = await client.put(
        f"/cases/by-external-id/{SYSTEM}/{key('C')}", json=body, headers=system
    )
    assert problem(second, 409)["errors"][0]["code"] == "case_already_open"
