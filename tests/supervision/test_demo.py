"""The demo data: loads twice without doubling, and shows GCS at once (an overdue case, a
finalised record with decisions, an action carried forward)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.principal import Principal
from supervision_api import demo
from tests.projection.factories import allocation_snapshot, announce, case_snapshot
from tests.supervision.conftest import Headers
from tests.support.change_feed import ids_of, read_all


async def test_the_demo_shows_an_overdue_case_a_final_record_and_a_carried_action(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    for _ in range(2):
        async with AsyncSession(db_engine, expire_on_commit=False) as session, session.begin():
            await demo.seed_demo(session)
    async with db_engine.connect() as connection:
        meetings = await connection.scalar(
            text("SELECT count(*) FROM supervision.meeting WHERE team_id = :team"),
            {"team": demo.TEAM_NORTH},
        )
    assert meetings == 3

    opened = datetime.now(UTC) - timedelta(days=90)
    for case_id, workers in demo.ALLOCATED.items():
        case = case_snapshot(demo.TEAM_NORTH, case_id=case_id, opened_at=opened)
        await announce(client, case, *(allocation_snapshot(case, worker) for worker in workers))
    manager = Principal(
        subject="demo-manager-north",
        practitioner_id=demo.MANAGER_NORTH,
        display_name="Demo Manager (Team North)",
        discipline="team_manager",
        roles=frozenset({"practitioner", "team_manager"}),
        team_ids=frozenset({demo.TEAM_NORTH}),
        managed_team_ids=frozenset({demo.TEAM_NORTH}),
    )
    due = await client.get(
        f"/teams/{demo.TEAM_NORTH}/due", params={"which": "all"}, headers=as_(manager)
    )
    statuses = {item["case_id"]: item for item in due.json()["items"]}
    ashdown: dict[str, Any] = statuses[str(demo.ASHDOWN_CASE)]
    assert ashdown["status"] == "overdue"
    assert ashdown["next_meeting_at"] is not None
    assert statuses[str(demo.BRIGHTWELL_CASE)]["status"] == "due_soon"

    first = f"/meetings/{demo.demo_id(1, 1)}/cases/{demo.ASHDOWN_CASE}/record"
    final = (await client.get(first, headers=as_(manager))).json()
    assert final["status"] == "final"
    assert final["decisions"][0]["rationale"]
    upcoming = f"/meetings/{demo.demo_id(1, 3)}/cases/{demo.ASHDOWN_CASE}/record"
    draft = (await client.get(upcoming, headers=as_(manager))).json()
    assert draft["status"] == "draft"
    assert [a["id"] for a in draft["carried_forward"]] == [str(demo.demo_id(4, 1))]
    # The change feed has the demo's meetings and records at once.
    items, _ = await read_all(client, as_(manager))
    assert final["id"] in ids_of(items, "case_record")
    assert str(demo.demo_id(1, 1)) in ids_of(items, "meeting")
