"""What the projection's inbox refuses: snapshots it cannot read are dead letters, never guesses."""

from __future__ import annotations

import uuid

import httpx

from services.event_contracts import WORKBOOK_ALLOCATION_EVENTS, WORKBOOK_CASE_EVENTS
from tests.projection.conftest import Headers, MakePrincipal
from tests.projection.factories import allocation_snapshot, announce, case_snapshot
from tests.support.events import cloud_event, deliver


async def test_a_status_the_contract_does_not_know_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    team = uuid.uuid4()
    manager = make_principal(roles=("practitioner", "team_manager"), manages=(team,))
    case = case_snapshot(team)
    await announce(client, case)
    newer = {**case.model_dump(mode="json"), "status": "transferred", "version": 2}

    response = await deliver(
        client, cloud_event(f"{WORKBOOK_CASE_EVENTS}changed", newer, source="/workbook")
    )

    # 422: the relay dead-letters it at once for an operator, rather than retrying.
    assert response.status_code == 422, response.text
    assert response.json()["type"].endswith("/event-not-applicable")
    assert "transferred" not in response.text
    held = (await client.get(f"/cases/{case.case_id}", headers=as_(manager))).json()
    assert (held["status"], held["version"]) == ("open", 1)


async def test_snapshots_without_a_version_or_with_naive_times_are_refused(
    client: httpx.AsyncClient,
) -> None:
    case = case_snapshot(uuid.uuid4())
    allocation = allocation_snapshot(case, uuid.uuid4())
    unversioned = case.model_dump(mode="json")
    del unversioned["version"]
    naive = allocation.model_dump(mode="json")
    naive["starts_at"] = "2026-11-30T10:00:00"

    for event in (
        cloud_event(f"{WORKBOOK_CASE_EVENTS}opened", unversioned, source="/workbook"),
        cloud_event(f"{WORKBOOK_ALLOCATION_EVENTS}changed", naive, source="/workbook"),
    ):
        response = await deliver(client, event)
        assert response.status_code == 422, response.text
