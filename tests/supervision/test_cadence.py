"""Cadence over HTTP: settings per team and per case, and the due lists."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from services.event_contracts import EARLY_HELP
from services.working_days import ENGLAND
from tests.projection.factories import allocation_snapshot, announce, case_snapshot
from tests.supervision.conftest import Headers, MakePrincipal, Team, open_case

TEAM_SETTING = {"interval_days": 21, "first_due_working_days": 5, "due_soon_working_days": 3}


async def test_only_the_team_s_managers_read_and_change_its_cadence(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    url = f"/teams/{team.id}/cadence"
    default = await client.get(url, headers=as_(team.manager))
    assert default.status_code == 200, default.text
    assert default.json()["is_default"]
    assert default.json()["interval_days"] == 28

    changed = await client.put(url, json=TEAM_SETTING, headers=as_(team.manager))
    assert changed.status_code == 200, changed.text
    assert not changed.json()["is_default"]
    assert (await client.get(url, headers=as_(team.manager))).json()["interval_days"] == 21

    assert (
        await client.put(url, json=TEAM_SETTING, headers=as_(team.colleague))
    ).status_code == 403
    other = await client.put(url, json=TEAM_SETTING, headers=as_(team.outsider_manager))
    missing = await client.put(
        f"/teams/{uuid.uuid4()}/cadence", json=TEAM_SETTING, headers=as_(team.outsider_manager)
    )
    assert other.status_code == missing.status_code == 404
    assert (await client.get(url)).status_code == 401


async def test_a_cadence_out_of_range_is_a_validation_problem(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    bad = await client.put(
        f"/teams/{team.id}/cadence",
        json={**TEAM_SETTING, "interval_days": 400},
        headers=as_(team.manager),
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"


async def test_a_case_s_own_cadence_overrides_its_team_s_and_only_managers_set_it(
    client: httpx.AsyncClient, as_: Headers, team: Team, make_principal: MakePrincipal
) -> None:
    opened = datetime.now(UTC) - timedelta(days=2)
    case_id = await open_case(client, team, opened_at=opened)
    await client.put(f"/teams/{team.id}/cadence", json=TEAM_SETTING, headers=as_(team.manager))
    url = f"/cases/{case_id}/cadence"

    seen = await client.get(url, headers=as_(team.social_worker))
    assert seen.status_code == 200, seen.text
    assert seen.json()["first_due_working_days"] == 5
    assert seen.json()["due_on"] == ENGLAND.deadline(opened, 5).isoformat()

    own = {"interval_days": 14, "first_due_working_days": 2}
    assert (await client.put(url, json=own, headers=as_(team.social_worker))).status_code == 403
    system = make_principal(discipline="business_support", roles=("system",))
    assert (await client.put(url, json=own, headers=as_(system))).status_code == 403
    changed = await client.put(url, json=own, headers=as_(team.manager))
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["own_interval_days"], body["interval_days"]) == (14, 14)
    assert body["due_on"] == ENGLAND.deadline(opened, 2).isoformat()

    back = await client.put(
        url, json={"interval_days": None, "first_due_working_days": None}, headers=as_(team.manager)
    )
    assert back.json()["first_due_working_days"] == 5
    assert (await client.get(url, headers=as_(team.outsider_manager))).status_code == 404
    assert (await client.get(url, headers=as_(team.colleague))).status_code == 404


async def test_overdue_and_due_soon_lists_per_team_and_per_practitioner(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    now = datetime.now(UTC)
    overdue = await open_case(client, team, opened_at=now - timedelta(days=40))
    fresh = await open_case(client, team, opened_at=now - timedelta(minutes=5))
    # A case only the colleague is on, also overdue.
    theirs = case_snapshot(team.id, opened_at=now - timedelta(days=60))
    await announce(client, theirs, allocation_snapshot(theirs, team.colleague.practitioner_id))
    # An early help involvement of the team, long open: its reviews are the pathway's, not GCS.
    early_help = case_snapshot(team.id, kind=EARLY_HELP, opened_at=now - timedelta(days=90))
    await announce(
        client, early_help, allocation_snapshot(early_help, team.social_worker.practitioner_id)
    )

    listed = await client.get(
        f"/teams/{team.id}/due", params={"which": "all"}, headers=as_(team.manager)
    )
    assert listed.status_code == 200, listed.text
    items = {item["case_id"]: item for item in listed.json()["items"]}
    assert set(items) == {str(overdue), str(fresh), str(theirs.case_id)}
    assert items[str(overdue)]["status"] == "overdue"
    assert items[str(overdue)]["working_days_left"] < 0
    assert items[str(fresh)]["status"] == "not_due"
    # Most overdue first.
    assert listed.json()["items"][0]["case_id"] == str(theirs.case_id)

    attention = await client.get(f"/teams/{team.id}/due", headers=as_(team.manager))
    assert {i["case_id"] for i in attention.json()["items"]} == {
        str(overdue),
        str(theirs.case_id),
    }
    by_worker = await client.get(
        f"/teams/{team.id}/due",
        params={"practitioner_id": str(team.colleague.practitioner_id)},
        headers=as_(team.manager),
    )
    assert [i["case_id"] for i in by_worker.json()["items"]] == [str(theirs.case_id)]

    mine = await client.get("/due", params={"which": "all"}, headers=as_(team.social_worker))
    assert {i["case_id"] for i in mine.json()["items"]} == {str(overdue), str(fresh)}
    assert (
        await client.get(f"/teams/{team.id}/due", headers=as_(team.social_worker))
    ).status_code == 403
    assert (
        await client.get(f"/teams/{team.id}/due", headers=as_(team.outsider_manager))
    ).status_code == 404
