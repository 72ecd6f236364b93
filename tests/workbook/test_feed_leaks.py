"""Leak tests for the feeds over time: what is recorded after a case leaves a reader's sight never
reaches them, and seeing everything (the system of record) is not seeing restricted detail.

The feeds are also probed by tests/workbook/test_leaks.py with every marker there; this module
covers what only a cursor can show: a reader who had a case, then lost it.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.change_feed import read_text
from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    case_world,
    if_match,
    practitioner_in,
    record_entry,
    system_principal,
    write_summary,
)

FEEDS = ("/changes", "/sync/pull")


def marker(label: str) -> str:
    return f"feedleak{label}{uuid.uuid4().hex[:10]}"


@pytest.mark.parametrize("path", FEEDS)
async def test_nothing_recorded_after_deallocation_reaches_the_worker_who_left(
    client: httpx.AsyncClient, as_: Headers, path: str
) -> None:
    world = await case_world(client, as_)
    leaver = world.specialists["da_victim_worker"]
    before = marker("before")
    after = marker("after")
    await record_entry(client, as_(world.social_worker), world.case_id, narrative=before)
    seen, cursor = await read_text(client, as_(leaver), None, path=path)
    assert before in seen  # the probe reaches the case while the worker is on it

    allocation = world.allocations[leaver.practitioner_id]
    ended = await client.post(
        f"/cases/{world.case_id}/allocations/{allocation['id']}/end",
        json={"reason": "Moved team"},
        headers=if_match(as_(world.manager), "*"),
    )
    assert ended.status_code == 200, ended.text
    await record_entry(client, as_(world.social_worker), world.case_id, narrative=after)
    await write_summary(client, as_(world.social_worker), world.case_id, narrative=after)
    rename = await client.patch(
        f"/families/{world.family_id}",
        json={"name": after},
        headers=if_match(as_(world.manager), "*"),
    )
    assert rename.status_code == 200, rename.text

    later, _ = await read_text(client, as_(leaver), cursor, path=path)
    assert after not in later
    fresh, _ = await read_text(client, as_(leaver), None, path=path)
    assert after not in fresh
    assert before not in fresh
    # Those still on the case do get it.
    kept, _ = await read_text(client, as_(world.social_worker), None, path=path)
    assert after in kept


async def test_nothing_recorded_after_break_glass_expires_reaches_its_holder(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    holder = practitioner_in(uuid.uuid4())
    grant = await client.post(
        f"/cases/{world.case_id}/break-glass",
        json={"justification": "Police called out of hours", "duration_minutes": 60},
        headers=as_(holder),
    )
    assert grant.status_code == 201
    during = marker("during")
    await record_entry(client, as_(world.social_worker), world.case_id, narrative=during)
    seen, cursor = await read_text(client, as_(holder))
    assert during in seen
    async with db_engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE workbook.break_glass_grant SET expires_at = now(),"
                " granted_at = now() - interval '1 hour' WHERE id = :id"
            ),
            {"id": grant.json()["id"]},
        )
    after = marker("expired")
    await record_entry(client, as_(world.social_worker), world.case_id, narrative=after)
    later, _ = await read_text(client, as_(holder), cursor)
    assert after not in later
    assert '"op":"tombstone"' in later.replace(" ", "")


async def test_the_system_of_record_sees_every_case_but_no_restricted_detail(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    system = as_(system_principal())
    _, cursor = await read_text(client, system, None)  # (the whole council so far)
    world = await case_world(client, as_)
    restricted = marker("restricted")
    standard = marker("standard")
    await record_entry(
        client,
        as_(world.specialists["recovery_worker"]),
        world.case_id,
        sensitivity="restricted",
        narrative=f"Test result {restricted}",
        shareable_summary="Recovery work continuing.",
    )
    await record_entry(client, as_(world.social_worker), world.case_id, narrative=standard)
    seen, _ = await read_text(client, system, cursor)
    assert standard in seen
    assert "Recovery work continuing." in seen
    assert restricted not in seen
    managed, _ = await read_text(client, as_(world.manager))
    assert restricted in managed  # the probe: the case's manager may read it
