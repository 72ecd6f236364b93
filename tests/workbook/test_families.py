"""Families, members, relationships and identifiers: behaviour, access and validation."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    audit_rows,
    case_world,
    child,
    create_family,
    created,
    manager_of,
    open_case,
    parent,
    practitioner_in,
    random_nhs_number,
    random_upn,
    system_principal,
)


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


# Registering a family ---------------------------------------------------------------------


async def test_social_worker_registers_family_with_members(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    team = uuid.uuid4()
    worker = practitioner_in(team, "social_worker")
    nhs = random_nhs_number()
    response = await client.post(
        "/families",
        json={
            "name": "Example family",
            "owning_team_id": str(team),
            "members": [
                child(identifiers=[{"system": "nhs_number", "value": nhs}]),
                child(date_of_birth=None, expected_date_of_birth="2030-01-01", given_name="Baby"),
                parent(),
            ],
        },
        headers={**as_(worker), "X-Access-Purpose": "case_management"},
    )

    body = created(response)
    assert response.headers["location"] == f"/families/{body['id']}"
    assert response.headers["etag"]
    assert body["owning_team_id"] == str(team)
    assert sorted(m["role"] for m in body["members"]) == ["child", "child", "parent"]
    unborn = next(m for m in body["members"] if m["given_name"] == "Baby")
    assert unborn["expected_date_of_birth"] == "2030-01-01"
    assert unborn["date_of_birth"] is None
    identified = next(m for m in body["members"] if m["identifiers"])
    assert identified["identifiers"][0]["value"] == nhs
    [row] = await audit_rows(db_engine, response)
    assert (row.action, row.resource_type, row.outcome, row.purpose) == (
        "create",
        "family",
        "success",
        "case_management",
    )
    assert row.resource_id == body["id"]


async def test_family_is_registered_only_for_callers_own_team(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    worker = practitioner_in(uuid.uuid4())
    response = await client.post(
        "/families",
        json={"name": "x", "owning_team_id": str(uuid.uuid4()), "members": []},
        headers=as_(worker),
    )
    _problem(response, 403)


async def test_specialist_cannot_register_a_family(client: httpx.AsyncClient, as_: Headers) -> None:
    team = uuid.uuid4()
    response = await client.post(
        "/families",
        json={"name": "x", "owning_team_id": str(team)},
        headers=as_(practitioner_in(team, "recovery_worker")),
    )
    _problem(response, 403)


async def test_system_of_record_registers_family_for_any_team(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team = uuid.uuid4()
    body = await create_family(client, as_(system_principal()), team_id=team)
    assert body["owning_team_id"] == str(team)


async def test_anonymous_gets_401_everywhere(client: httpx.AsyncClient) -> None:
    some = uuid.uuid4()
    for method, path in [
        ("POST", "/families"),
        ("GET", "/families"),
        ("GET", f"/families/{some}"),
        ("PATCH", f"/families/{some}"),
        ("GET", f"/families/{some}/members"),
        ("POST", f"/families/{some}/members"),
        ("GET", f"/families/{some}/members/{some}"),
        ("PATCH", f"/families/{some}/members/{some}"),
        ("POST", f"/families/{some}/members/{some}/identifiers"),
        ("GET", f"/families/{some}/relationships"),
        ("POST", f"/families/{some}/relationships"),
        ("PATCH", f"/families/{some}/relationships/{some}"),
        ("GET", "/people/search?identifier_system=upn&value=x"),
    ]:
        response = await client.request(method, path, json={})
        assert response.status_code == 401, (method, path)


async def test_unknown_fields_and_purposes_are_422_with_locations(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team = uuid.uuid4()
    headers = as_(manager_of(team))
    extra = await client.post(
        "/families",
        json={"name": "x", "owning_team_id": str(team), "colour": "blue"},
        headers=headers,
    )
    assert ["body", "colour"] in [e["location"] for e in _problem(extra, 422)["errors"]]

    purpose = await client.get("/families", headers={**headers, "X-Access-Purpose": "curiosity"})
    assert _problem(purpose, 422)["errors"][0]["location"] == ["header", "X-Access-Purpose"]


# Identifiers ------------------------------------------------------------------------------


async def test_invalid_nhs_number_and_upn_are_422_at_their_field(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team = uuid.uuid4()
    valid = random_nhs_number()
    wrong_check = valid[:9] + str((int(valid[9]) + 1) % 10)
    upn = random_upn()
    wrong_letter = ("A" if upn[0] != "A" else "B") + upn[1:]
    response = await client.post(
        "/families",
        json={
            "name": "x",
            "owning_team_id": str(team),
            "members": [
                child(identifiers=[{"system": "nhs_number", "value": wrong_check}]),
                child(identifiers=[{"system": "upn", "value": wrong_letter}]),
                child(identifiers=[{"system": "upn", "value": "A12"}]),
            ],
        },
        headers=as_(manager_of(team)),
    )

    locations = [e["location"] for e in _problem(response, 422)["errors"]]
    assert ["body", "members", "0", "identifiers", "0", "value"] in locations
    assert ["body", "members", "1", "identifiers", "0", "value"] in locations
    assert ["body", "members", "2", "identifiers", "0", "value"] in locations
    assert wrong_check not in response.text  # values are never echoed


async def test_nhs_number_is_normalised_and_unique_across_the_workbook(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    nhs = random_nhs_number()
    spaced = f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
    team_a, team_b = uuid.uuid4(), uuid.uuid4()
    first = await create_family(
        client,
        as_(manager_of(team_a)),
        team_id=team_a,
        members=[child(identifiers=[{"system": "nhs_number", "value": spaced}])],
    )
    assert first["members"][0]["identifiers"][0]["value"] == nhs

    duplicate = await client.post(
        "/families",
        json={
            "name": "y",
            "owning_team_id": str(team_b),
            "members": [child(identifiers=[{"system": "nhs_number", "value": nhs}])],
        },
        headers=as_(manager_of(team_b)),
    )
    problem = _problem(duplicate, 409)
    assert problem["type"].endswith("/identifier-in-use")
    # The other team's family stays hidden: neither its id nor the person's is disclosed.
    assert first["id"] not in duplicate.text
    assert first["members"][0]["id"] not in duplicate.text
    # The probe is audited as a denial, naming the holder for whoever resolves the duplicate.
    [row] = await audit_rows(db_engine, duplicate)
    assert (row.action, row.outcome) == ("create", "denied")
    assert row.details["holder_person_ids"] == [first["members"][0]["id"]]


async def test_identifier_added_later_is_checked_and_searchable(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team = uuid.uuid4()
    headers = as_(manager_of(team))
    family = await create_family(client, headers, team_id=team)
    person = family["members"][0]
    upn = random_upn()
    url = f"/families/{family['id']}/members/{person['id']}/identifiers"

    added = await client.post(url, json={"system": "upn", "value": upn.lower()}, headers=headers)
    assert created(added)["value"] == upn
    again = await client.post(url, json={"system": "upn", "value": upn}, headers=headers)
    _problem(again, 409)

    found = await client.get(
        "/people/search", params={"identifier_system": "upn", "value": upn}, headers=headers
    )
    assert found.status_code == 200
    [match] = found.json()["items"]
    assert match["person"]["id"] == person["id"]
    assert match["family"]["id"] == family["id"]


async def test_search_only_finds_people_the_caller_may_see(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team = uuid.uuid4()
    nhs = random_nhs_number()
    await create_family(
        client,
        as_(manager_of(team)),
        team_id=team,
        members=[child(identifiers=[{"system": "nhs_number", "value": nhs}])],
    )
    outsider = as_(manager_of(uuid.uuid4()))
    response = await client.get(
        "/people/search", params={"identifier_system": "nhs_number", "value": nhs}, headers=outsider
    )
    assert response.status_code == 200
    assert response.json()["items"] == []

    invalid = await client.get(
        "/people/search",
        params={"identifier_system": "nhs_number", "value": "123"},
        headers=outsider,
    )
    assert _problem(invalid, 422)["errors"][0]["location"] == ["query", "value"]


# Reading and visibility -------------------------------------------------------------------


async def test_family_visibility_follows_its_cases(client: httpx.AsyncClient, as_: Headers) -> None:
    team = uuid.uuid4()
    manager = manager_of(team)
    registrar = practitioner_in(team, "social_worker")
    colleague = practitioner_in(team, "social_worker")
    family = await create_family(client, as_(registrar), team_id=team)
    url = f"/families/{family['id']}"

    # Before any case: the registering worker and the team's managers, no one else.
    assert (await client.get(url, headers=as_(registrar))).status_code == 200
    assert (await client.get(url, headers=as_(manager))).status_code == 200
    assert (await client.get(url, headers=as_(colleague))).status_code == 404

    # Once a case is open, access follows allocation: the registrar is not allocated.
    await open_case(client, as_(manager), family_id=family["id"], team_id=team)
    assert (await client.get(url, headers=as_(registrar))).status_code == 404
    assert (await client.get(url, headers=as_(manager))).status_code == 200


async def test_other_teams_family_is_404_like_a_missing_one(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    outsider = as_(world.outsider_manager)
    hidden = await client.get(f"/families/{world.family_id}", headers=outsider)
    missing = await client.get(f"/families/{uuid.uuid4()}", headers=outsider)
    hidden_body, missing_body = _problem(hidden, 404), _problem(missing, 404)
    hidden_body.pop("instance")
    missing_body.pop("instance")
    assert hidden_body == missing_body


async def test_list_families_is_keyset_paginated_and_stable_under_inserts(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team = uuid.uuid4()
    headers = as_(manager_of(team))
    ids = [(await create_family(client, headers, team_id=team, members=[]))["id"] for _ in range(5)]

    first = await client.get("/families", params={"limit": 2}, headers=headers)
    assert first.status_code == 200
    page1 = first.json()
    assert [f["id"] for f in page1["items"]] == ids[::-1][:2]
    # A family registered between pages does not shift or repeat what follows.
    await create_family(client, headers, team_id=team, members=[])
    seen = [f["id"] for f in page1["items"]]
    cursor = page1["next_cursor"]
    while cursor:
        page = (
            await client.get("/families", params={"limit": 2, "cursor": cursor}, headers=headers)
        ).json()
        seen += [f["id"] for f in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ids[::-1]

    bad = await client.get("/families", params={"cursor": "not-a-cursor"}, headers=headers)
    _problem(bad, 400)


# Updating ---------------------------------------------------------------------------------


async def test_update_family_needs_if_match_and_has_one_winner(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team = uuid.uuid4()
    headers = as_(manager_of(team))
    family = await create_family(client, headers, team_id=team, members=[])
    url = f"/families/{family['id']}"
    etag = (await client.get(url, headers=headers)).headers["etag"]

    _problem(await client.patch(url, json={"name": "no etag"}, headers=headers), 428)
    results = await asyncio.gather(
        client.patch(url, json={"name": "left"}, headers={**headers, "If-Match": etag}),
        client.patch(url, json={"name": "right"}, headers={**headers, "If-Match": etag}),
    )
    assert sorted(r.status_code for r in results) == [200, 412]
    winner = next(r for r in results if r.status_code == 200)
    current = await client.get(url, headers=headers)
    assert current.json()["name"] == winner.json()["name"]
    assert current.headers["etag"] == winner.headers["etag"] != etag


async def test_allocated_specialist_reads_but_cannot_change_family(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    specialist = as_(world.specialists["recovery_worker"])
    url = f"/families/{world.family_id}"
    read = await client.get(url, headers=specialist)
    assert read.status_code == 200
    change = await client.patch(
        url, json={"name": "z"}, headers={**specialist, "If-Match": read.headers["etag"]}
    )
    _problem(change, 403)
    add = await client.post(f"{url}/members", json=parent(), headers=specialist)
    _problem(add, 403)
    outsider = await client.patch(
        url, json={"name": "z"}, headers={**as_(world.outsider), "If-Match": "*"}
    )
    _problem(outsider, 404)


async def test_member_lifecycle_birth_and_leaving_the_household(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team = uuid.uuid4()
    headers = as_(manager_of(team))
    family = await create_family(client, headers, team_id=team, members=[parent()])
    members_url = f"/families/{family['id']}/members"

    unborn = created(
        await client.post(
            members_url,
            json=child(date_of_birth=None, expected_date_of_birth="2031-02-03", identifiers=[]),
            headers=headers,
        )
    )
    url = f"{members_url}/{unborn['id']}"
    fetched = await client.get(url, headers=headers)
    assert fetched.status_code == 200
    born = await client.patch(
        url,
        json={"date_of_birth": "2025-01-30", "given_name": "Robin"},
        headers={**headers, "If-Match": fetched.headers["etag"]},
    )
    assert born.status_code == 200, born.text
    assert born.json()["date_of_birth"] == "2025-01-30"
    assert born.json()["expected_date_of_birth"] is None

    adult = family["members"][0]
    adult_url = f"{members_url}/{adult['id']}"
    etag = (await client.get(adult_url, headers=headers)).headers["etag"]
    left = await client.patch(
        adult_url, json={"left_household_on": "2025-06-01"}, headers={**headers, "If-Match": etag}
    )
    assert left.json()["left_household_on"] == "2025-06-01"
    stale = await client.patch(
        adult_url, json={"gender": "x"}, headers={**headers, "If-Match": etag}
    )
    _problem(stale, 412)

    listed = await client.get(members_url, headers=headers)
    assert {m["id"] for m in listed.json()["items"]} == {adult["id"], unborn["id"]}
    assert (await client.get(f"{members_url}/{uuid.uuid4()}", headers=headers)).status_code == 404


async def test_member_rules_are_422(client: httpx.AsyncClient, as_: Headers) -> None:
    team = uuid.uuid4()
    headers = as_(manager_of(team))
    family = await create_family(client, headers, team_id=team, members=[])
    url = f"/families/{family['id']}/members"
    both = child(expected_date_of_birth="2031-01-01")
    _problem(await client.post(url, json=both, headers=headers), 422)
    adult_expected = parent(date_of_birth=None, expected_date_of_birth="2031-01-01")
    _problem(await client.post(url, json=adult_expected, headers=headers), 422)
    future = child(date_of_birth="2999-01-01", identifiers=[])
    _problem(await client.post(url, json=future, headers=headers), 422)


# Relationships ----------------------------------------------------------------------------


async def test_relationships_with_parental_responsibility(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team = uuid.uuid4()
    headers = as_(manager_of(team))
    family = await create_family(client, headers, team_id=team)
    kid, mum = family["members"][0]["id"], family["members"][1]["id"]
    if family["members"][0]["role"] != "child":
        kid, mum = mum, kid
    url = f"/families/{family['id']}/relationships"

    made = created(
        await client.post(
            url,
            json={
                "person_id": mum,
                "related_person_id": kid,
                "type": "parent_of",
                "parental_responsibility": True,
            },
            headers=headers,
        )
    )
    assert made["parental_responsibility"] is True
    duplicate = await client.post(
        url, json={"person_id": mum, "related_person_id": kid, "type": "parent_of"}, headers=headers
    )
    _problem(duplicate, 409)
    sibling_pr = await client.post(
        url,
        json={
            "person_id": kid,
            "related_person_id": mum,
            "type": "sibling_of",
            "parental_responsibility": True,
        },
        headers=headers,
    )
    _problem(sibling_pr, 422)
    stranger = await client.post(
        url,
        json={"person_id": mum, "related_person_id": str(uuid.uuid4()), "type": "other"},
        headers=headers,
    )
    assert _problem(stranger, 422)["errors"][0]["location"] == ["body", "related_person_id"]

    ended = await client.patch(
        f"{url}/{made['id']}",
        json={"ended_on": "2025-03-01", "parental_responsibility": False},
        headers={**headers, "If-Match": f'"{uuid.UUID(made["id"]).hex}.1"'},
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["ended_on"] == "2025-03-01"
    detail = await client.get(f"/families/{family['id']}", headers=headers)
    assert [r["id"] for r in detail.json()["relationships"]] == [made["id"]]
    listed = await client.get(url, headers=headers)
    assert listed.json()["items"][0]["parental_responsibility"] is False
