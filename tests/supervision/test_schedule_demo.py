"""The demo's slots and absence: a proposal for Team North shows at once, explaining why
Brightwell cannot meet on time (its mental health practitioner is away)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.event_contracts import MembershipSnapshot, PractitionerSnapshot
from services.principal import Principal
from supervision_api import demo
from supervision_api.schedule import demo as schedule_demo
from tests.projection.factories import allocation_snapshot, announce, case_snapshot
from tests.supervision.conftest import Headers


async def test_the_demo_team_gets_a_proposal_explaining_the_absent_worker(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    for _ in range(2):
        async with AsyncSession(db_engine, expire_on_commit=False) as session, session.begin():
            await demo.seed_demo(session)
    opened = datetime.now(UTC) - timedelta(days=90)
    for case_id, workers in demo.ALLOCATED.items():
        case = case_snapshot(demo.TEAM_NORTH, case_id=case_id, opened_at=opened)
        await announce(client, case, *(allocation_snapshot(case, worker) for worker in workers))
    # The directory announces the absent practitioner as a member of Team North.
    await announce(
        client,
        PractitionerSnapshot(
            practitioner_id=schedule_demo.MENTAL_HEALTH_NORTH,
            display_name="Demo Mental Health Practitioner (Team North)",
            discipline="mental_health_practitioner",
            roles=["practitioner"],
            active=True,
            memberships=[MembershipSnapshot(team_id=demo.TEAM_NORTH, role_in_team="member")],
            version=1,
        ),
    )
    manager = Principal(
        subject="demo-manager-north",
        practitioner_id=demo.MANAGER_NORTH,
        display_name="Demo Manager (Team North)",
        discipline="team_manager",
        roles=frozenset({"practitioner", "team_manager"}),
        team_ids=frozenset({demo.TEAM_NORTH}),
        managed_team_ids=frozenset({demo.TEAM_NORTH}),
    )
    url = f"/teams/{demo.TEAM_NORTH}/schedule"
    schedule = (await client.get(url, headers=as_(manager))).json()
    assert len(schedule["slots"]) == 2
    assert [a["practitioner_id"] for a in schedule["absences"]] == [
        str(schedule_demo.MENTAL_HEALTH_NORTH)
    ]

    proposed = await client.post(f"{url}/proposals", json={}, headers=as_(manager))

    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()
    by_case = {item["case_id"]: item for item in proposal["unplaced"]}
    # Ashdown is booked for next week already; Brightwell is due within days.
    assert str(demo.ASHDOWN_CASE) not in by_case
    brightwell = by_case[str(demo.BRIGHTWELL_CASE)]
    away = {
        reason["person"]["practitioner_id"]
        for reason in brightwell["reasons"]
        if reason["kind"] == "person_unavailable" and reason["busy"] == "absence"
    }
    assert away == {str(schedule_demo.MENTAL_HEALTH_NORTH)}
    assert brightwell["placed_late_in"] is not None
    assert any(
        reason["description"].startswith("Demo Mental Health Practitioner (Team North) is absent")
        for reason in brightwell["reasons"]
    )
    # The team's list shows it, newest first, for the manager to come back to.
    listed = await client.get(f"{url}/proposals", headers=as_(manager))
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"][0]["id"] == proposal["id"]
    assert listed.json()["items"][0]["status"] == "proposed"
