"""Early help as a case of its own kind: beside Family Safeguarding on one family record."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.event_contracts import PATHWAY_TRANSFER_ACCEPTED, TransferAccepted
from services.events import CloudEvent
from tests.support.events import cloud_event, deliver
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


def accepted(family_id: str, team: uuid.UUID, kind: str = "family_safeguarding") -> CloudEvent:
    data = TransferAccepted(
        transfer_id=uuid.uuid4(),
        family_id=uuid.UUID(family_id),
        sending_case_id=uuid.uuid4(),
        kind=kind,
        receiving_team_id=team,
        accepted_by=uuid.uuid4(),
        accepted_at=datetime.now(UTC),
    ).model_dump(mode="json")
    return cloud_event(PATHWAY_TRANSFER_ACCEPTED, data, source="/pathway")


async def test_an_accepted_step_up_opens_the_familys_case_once(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    team, receiving = uuid.uuid4(), uuid.uuid4()
    manager = manager_of(team)
    family = await create_family(client, as_(manager), team_id=team)
    event = accepted(family["id"], receiving)
    for _ in range(2):  # a redelivery changes nothing
        assert (await deliver(client, event)).status_code == 204
    # Another acceptance while the family has an open case of that kind opens no second one.
    assert (await deliver(client, accepted(family["id"], receiving))).status_code == 204
    receiving_manager = manager_of(receiving)
    listed = await client.get(
        "/cases", params={"family_id": family["id"]}, headers=as_(receiving_manager)
    )
    [case] = listed.json()["items"]
    assert (case["kind"], case["owning_team_id"]) == ("family_safeguarding", str(receiving))
    chronology = await client.get(f"/cases/{case['id']}/chronology", headers=as_(receiving_manager))
    assert [item["title"] for item in chronology.json()["items"]] == [
        "Case opened on a step up from early help"
    ]
    # A family the workbook does not hold can never apply: dead-lettered.
    missing = accepted(str(uuid.uuid4()), receiving)
    assert (await deliver(client, missing)).status_code == 422
