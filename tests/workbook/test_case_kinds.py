"""Early help as a case of its own kind: beside Family Safeguarding on one family record."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.workbook.conftest import Headers
from tests.workbook.factories import create_family, manager_of, outbox_events


async def test_a_family_holds_one_open_case_of_each_kind(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    team = uuid.uuid4()
    manager = manager_of(team)
    family = await create_family(client, as_(manager), team_id=team)
    body = {"family_id": family["id"], "owning_team_id": str(team), "reason": "Needs support"}

    early = await client.post("/cases", json={**body, "kind": "early_help"}, headers=as_(manager))
    assert early.status_code == 201, early.text
    assert early.json()["kind"] == "early_help"
    # Stepping up opens the statutory case while early help still holds the family.
    statutory = await client.post("/cases", json=body, headers=as_(manager))
    assert statutory.status_code == 201, statutory.text
    assert statutory.json()["kind"] == "family_safeguarding"
    second = await client.post("/cases", json={**body, "kind": "early_help"}, headers=as_(manager))
    assert second.status_code == 409
    assert second.json()["type"].endswith("case-already-open")

    [event] = await outbox_events(db_engine, f"cases/{early.json()['id']}")
    assert event.data["kind"] == "early_help"
    listed = await client.get(
        "/cases", params={"family_id": family["id"], "kind": "early_help"}, headers=as_(manager)
    )
    assert [case["id"] for case in listed.json()["items"]] == [early.json()["id"]]


async def test_an_unknown_kind_is_a_clear_problem(client: httpx.AsyncClient, as_: Headers) -> None:
    team = uuid.uuid4()
    manager = manager_of(team)
    family = await create_family(client, as_(manager), team_id=team)
    body = {"family_id": family["id"], "owning_team_id": str(team), "reason": "Needs support"}
    response = await client.post("/cases", json={**body, "kind": "universal"}, headers=as_(manager))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
