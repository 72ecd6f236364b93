"""Escalation to child protection from any early help record."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.working_days import ENGLAND
from tests.pathway.conftest import Headers, Record
from tests.pathway.factories import chronology_titles, early_help_family, post_ok, problem


async def test_an_escalation_tells_the_manager_raises_the_level_and_starts_the_clock(
    client: httpx.AsyncClient, record: Record, as_: Headers, db_engine: AsyncEngine
) -> None:
    family = await early_help_family(client, record)
    worry = "Child disclosed being hit with a belt by the mother's partner"
    escalation = await post_ok(
        client, family.path("/escalations"), {"worry": worry}, as_(family.taf_member)
    )
    due = ENGLAND.deadline(datetime.now(UTC), 1)
    assert escalation["referral_decision_due"] == due.isoformat()
    levels = (await client.get(family.path("/levels"), headers=as_(family.manager))).json()
    assert (levels[-1]["level_code"], levels[-1]["basis"]) == ("specialist", "escalation")
    async with db_engine.connect() as connection:
        [event] = (
            await connection.execute(
                text(
                    "SELECT data, team_id FROM pathway.outbox_event"
                    " WHERE type = 'uk.gov.fsm.pathway.escalation.raised' AND data->>'case_id' = :c"
                ),
                {"c": family.case_id},
            )
        ).all()
    assert event.team_id == family.team_id
    assert event.data["referral_decision_due"] == due.isoformat()
    assert worry not in str(event.data)  # the worry stays on the record
    titles = await chronology_titles(db_engine, family.case_id)
    assert f"Escalated to child protection: referral decision due {due.isoformat()}" in titles


async def test_escalation_is_for_the_familys_workers(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    body = {"worry": "Bruising seen at school"}
    problem(await client.post(family.path("/escalations"), json=body), 401)
    problem(
        await client.post(family.path("/escalations"), json=body, headers=as_(family.auditor)), 403
    )
    problem(
        await client.post(family.path("/escalations"), json=body, headers=as_(family.other_team)),
        404,
    )
    problem(await client.post(family.path("/escalations"), json={}, headers=as_(family.lead)), 422)
