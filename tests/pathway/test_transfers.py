"""Step up and step down: who may ask, meet and accept; one transfer at a time."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.pathway.conftest import Headers, Record
from tests.pathway.factories import early_help_family, post_ok, problem
from tests.workbook.factories import manager_of


def request(direction: str, team: uuid.UUID) -> dict[str, str]:
    return {
        "direction": direction,
        "receiving_team_id": str(team),
        "reason": "Worries are growing",
        "current_picture": "Attendance falling; mother unwell",
    }


async def test_a_step_up_leaves_from_early_help_one_at_a_time(
    client: httpx.AsyncClient, record: Record, as_: Headers, db_engine: AsyncEngine
) -> None:
    family = await early_help_family(client, record)
    receiving = uuid.uuid4()
    lead = as_(family.lead)
    wrong = problem(
        await client.post(
            family.path("/transfers"), json=request("step_down", receiving), headers=lead
        ),
        409,
    )
    assert wrong["type"].endswith("wrong-direction")
    made = await post_ok(client, family.path("/transfers"), request("step_up", receiving), lead)
    again = await client.post(
        family.path("/transfers"), json=request("step_up", receiving), headers=lead
    )
    assert problem(again, 409)["type"].endswith("transfer-under-way")
    listed = (await client.get(family.path("/transfers"), headers=as_(family.auditor))).json()
    assert [t["id"] for t in listed] == [made["id"]]
    async with db_engine.connect() as connection:
        events = await connection.scalar(
            text(
                "SELECT count(*) FROM pathway.outbox_event"
                " WHERE type = 'uk.gov.fsm.pathway.transfer.accepted' AND subject = :s"
            ),
            {"s": f"transfers/{made['id']}"},
        )
    assert events == 0  # nothing opens until the receiving team accepts


async def test_who_may_meet_and_accept(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    receiving_team = uuid.uuid4()
    receiver = manager_of(receiving_team)
    bystander = manager_of(uuid.uuid4())
    made = await post_ok(
        client, family.path("/transfers"), request("step_up", receiving_team), as_(family.lead)
    )
    path = f"/transfers/{made['id']}"
    meeting = {"held_on": date.today().isoformat(), "notes": "Both teams met the family"}
    problem(await client.get(path, headers=as_(bystander)), 404)
    problem(await client.post(f"{path}/meeting", json=meeting, headers=as_(bystander)), 404)
    problem(await client.post(f"{path}/meeting", json=meeting, headers=as_(family.auditor)), 403)
    problem(await client.post(f"{path}/accept"), 401)
    assert (await client.get(path, headers=as_(receiver))).status_code == 200
    await post_ok(client, f"{path}/meeting", meeting, as_(family.lead))
    problem(await client.post(f"{path}/accept", headers=as_(family.manager)), 403)
    accepted = await post_ok(client, f"{path}/accept", {}, as_(receiver))
    assert (accepted["status"], accepted["accepted_by"]) == (
        "accepted",
        str(receiver.practitioner_id),
    )
    problem(await client.post(f"{path}/accept", headers=as_(receiver)), 409)
