"""Break-glass access, its oversight by managers, and who may read restricted detail."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import literal, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    allocation_body,
    audit_rows,
    case_world,
    manager_of,
    outbox_events,
    parent,
    practitioner_in,
    principal,
    random_nhs_number,
    system_principal,
)
from workbook_api.access.visibility import restricted_detail_visible

JUSTIFICATION = "Child presented at A&E out of hours; duty worker needs the plan."


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


async def _break_glass(
    client: httpx.AsyncClient, headers: dict[str, str], case_id: str, **body: Any
) -> httpx.Response:
    return await client.post(
        f"/cases/{case_id}/break-glass",
        json={"justification": JUSTIFICATION, "duration_minutes": 60, **body},
        headers=headers,
    )


async def _expire(engine: AsyncEngine, grant_id: str) -> None:
    # Time passes: move the whole grant two hours into the past.
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE workbook.break_glass_grant"
                " SET granted_at = granted_at - interval '2 hours',"
                " expires_at = expires_at - interval '2 hours' WHERE id = :id"
            ),
            {"id": grant_id},
        )


async def test_break_glass_opens_the_case_for_the_window_only(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    duty = as_(world.outsider)
    case_url = f"/cases/{world.case_id}"
    assert (await client.get(case_url, headers=duty)).status_code == 404

    response = await _break_glass(client, duty, world.case_id)
    assert response.status_code == 201, response.text
    grant = response.json()
    assert grant["practitioner_id"] == str(world.outsider.practitioner_id)
    assert grant["active"] is True
    assert grant["owning_team_id"] == str(world.team_id)

    assert (await client.get(case_url, headers=duty)).status_code == 200
    assert (await client.get(f"/families/{world.family_id}", headers=duty)).status_code == 200
    listed = (await client.get("/cases", headers=duty)).json()["items"]
    assert [c["id"] for c in listed] == [world.case_id]

    [row] = await audit_rows(db_engine, response)
    assert (row.action, row.resource_type, str(row.case_id), row.outcome) == (
        "break_glass",
        "case",
        world.case_id,
        "success",
    )
    assert row.details["grant_id"] == grant["id"]
    [event] = await outbox_events(db_engine, f"cases/{world.case_id}/break-glass/")
    assert event.type == "uk.gov.fsm.workbook.break_glass.granted"
    assert event.team_id == world.team_id
    assert JUSTIFICATION not in str(event.data)

    await _expire(db_engine, grant["id"])
    assert (await client.get(case_url, headers=duty)).status_code == 404
    assert (await client.get(f"/families/{world.family_id}", headers=duty)).status_code == 404


async def test_manager_lists_who_broke_glass_and_revokes(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    duty = as_(world.outsider)
    grant = (await _break_glass(client, duty, world.case_id)).json()
    manager = as_(world.manager)

    listing = await client.get(
        "/cases/break-glass", params={"team_id": str(world.team_id)}, headers=manager
    )
    assert listing.status_code == 200, listing.text
    [item] = listing.json()["items"]
    assert item["id"] == grant["id"]
    assert item["justification"] == JUSTIFICATION
    assert item["practitioner_name"] == world.outsider.display_name
    assert item["expires_at"] == grant["expires_at"]

    # Managers of other teams do not see it; non-managers may not list at all.
    other = await client.get("/cases/break-glass", headers=as_(world.outsider_manager))
    assert grant["id"] not in other.text
    _problem(await client.get("/cases/break-glass", headers=as_(world.social_worker)), 403)
    _problem(
        await client.get(
            "/cases/break-glass", params={"team_id": str(uuid.uuid4())}, headers=manager
        ),
        403,
    )
    assert (await client.get("/cases/break-glass")).status_code == 401

    revoke_url = f"/cases/{world.case_id}/break-glass/{grant['id']}/revoke"
    _problem(await client.post(revoke_url, headers=as_(world.social_worker)), 403)
    _problem(await client.post(revoke_url, headers=as_(world.outsider_manager)), 404)
    # The system of record manages cases, not people's access to them.
    _problem(await client.post(revoke_url, headers=as_(system_principal())), 403)
    revoked = await client.post(revoke_url, headers=manager)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert (await client.get(f"/cases/{world.case_id}", headers=duty)).status_code == 404
    _problem(await client.post(revoke_url, headers=manager), 409)
    active = await client.get("/cases/break-glass", params={"active_only": True}, headers=manager)
    assert grant["id"] not in active.text
    types = [e.type for e in await outbox_events(db_engine, f"cases/{world.case_id}/break-glass/")]
    assert types == [
        "uk.gov.fsm.workbook.break_glass.granted",
        "uk.gov.fsm.workbook.break_glass.revoked",
    ]


async def test_break_glass_rules(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    duty = as_(world.outsider)

    short = await _break_glass(client, duty, world.case_id, justification="because")
    assert _problem(short, 422)["errors"][0]["location"] == ["body", "justification"]
    long = await _break_glass(client, duty, world.case_id, duration_minutes=9 * 60)
    assert _problem(long, 422)["errors"][0]["location"] == ["body", "duration_minutes"]
    _problem(await _break_glass(client, duty, world.case_id, duration_minutes=0), 422)
    _problem(await _break_glass(client, duty, str(uuid.uuid4())), 404)
    auditor = principal(discipline="auditor", roles=("auditor",))
    _problem(await _break_glass(client, as_(auditor), world.case_id), 403)
    assert (await client.post(f"/cases/{world.case_id}/break-glass", json={})).status_code == 401
    # Nothing was granted by any of those.
    assert (await client.get(f"/cases/{world.case_id}", headers=duty)).status_code == 404


async def test_break_glass_listing_pages_newest_first(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    ids = [
        (await _break_glass(client, as_(practitioner_in(uuid.uuid4())), world.case_id)).json()["id"]
        for _ in range(3)
    ]
    manager = as_(world.manager)
    first = (await client.get("/cases/break-glass", params={"limit": 2}, headers=manager)).json()
    second = (
        await client.get(
            "/cases/break-glass",
            params={"limit": 2, "cursor": first["next_cursor"]},
            headers=manager,
        )
    ).json()
    assert [g["id"] for g in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None


async def test_restricted_detail_visibility_rule(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    recovery = world.specialists["recovery_worker"]
    da_worker = world.specialists["da_victim_worker"]
    second_recovery = practitioner_in(world.team_id, "recovery_worker")
    allocated = await client.post(
        f"/cases/{world.case_id}/allocations",
        json=await allocation_body(client, second_recovery),
        headers=as_(world.manager),
    )
    assert allocated.status_code == 201, allocated.text
    glass = practitioner_in(uuid.uuid4(), "recovery_worker")
    assert (await _break_glass(client, as_(glass), world.case_id)).status_code == 201
    other_manager = manager_of(uuid.uuid4())

    async def sees(who: Any) -> bool:
        predicate = restricted_detail_visible(
            who,
            case_id_col=literal(uuid.UUID(world.case_id)),
            author_id_col=literal(recovery.practitioner_id),
            discipline_col=literal("recovery_worker"),
        )
        async with AsyncSession(db_engine) as session:
            return bool(await session.scalar(select(predicate)))

    assert await sees(recovery)  # the author
    assert await sees(second_recovery)  # same discipline, allocated
    assert await sees(world.social_worker)  # the allocated social worker
    assert await sees(world.manager)  # the owning team's manager
    assert not await sees(da_worker)  # another discipline on the case
    assert not await sees(glass)  # break-glass opens the case, not restricted detail
    assert not await sees(other_manager)


async def test_break_glass_reads_the_family_record_but_never_changes_it(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    duty = as_(world.outsider)
    assert (await _break_glass(client, duty, world.case_id)).status_code == 201
    family_url = f"/families/{world.family_id}"
    family = await client.get(family_url, headers=duty)
    assert family.status_code == 200
    member = family.json()["members"][0]
    member_url = f"{family_url}/members/{member['id']}"
    member_etag = (await client.get(member_url, headers=duty)).headers["etag"]
    # A relationship the team recorded, for the holder to try to change.
    relationship = await client.post(
        f"{family_url}/relationships",
        json={
            "person_id": member["id"],
            "related_person_id": family.json()["members"][1]["id"],
            "type": "parent_of",
            "parental_responsibility": True,
        },
        headers=as_(world.social_worker),
    )
    assert relationship.status_code == 201, relationship.text

    attempts = [
        client.patch(
            family_url,
            json={"name": "Renamed"},
            headers={**duty, "If-Match": family.headers["etag"]},
        ),
        client.post(f"{family_url}/members", json=parent(given_name="Added"), headers=duty),
        client.patch(
            member_url, json={"given_name": "Changed"}, headers={**duty, "If-Match": member_etag}
        ),
        client.post(
            f"{member_url}/identifiers",
            json={"system": "nhs_number", "value": random_nhs_number()},
            headers=duty,
        ),
        client.post(
            f"{family_url}/relationships",
            json={
                "person_id": family.json()["members"][1]["id"],
                "related_person_id": member["id"],
                "type": "sibling_of",
            },
            headers=duty,
        ),
        client.patch(
            f"{family_url}/relationships/{relationship.json()['id']}",
            json={"parental_responsibility": False},
            headers={**duty, "If-Match": relationship.headers["etag"]},
        ),
    ]
    for attempt in attempts:
        response = await attempt
        assert _problem(response, 403)["type"].endswith("/forbidden")
        [row] = await audit_rows(db_engine, response)
        assert row.outcome == "denied"

    after = (await client.get(family_url, headers=as_(world.social_worker))).json()
    assert after["name"] == family.json()["name"]
    assert after["version"] == family.json()["version"]
    assert [m["version"] for m in after["members"]] == [
        m["version"] for m in family.json()["members"]
    ]
    assert len(after["members"]) == len(family.json()["members"])
    assert len(after["relationships"]) == 1
    assert after["relationships"][0]["parental_responsibility"] is True
    assert after["members"][0]["identifiers"] == member["identifiers"]


async def test_a_justification_carrying_nul_is_refused_as_invalid_not_unstorable(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    duty = as_(world.outsider)

    response = await _break_glass(client, duty, world.case_id, justification=JUSTIFICATION + "\x00")

    problem = _problem(response, 422)
    assert problem["type"].endswith("/validation")
    assert problem["errors"][0]["location"] == ["body", "justification"]
