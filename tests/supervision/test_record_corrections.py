"""Correcting a final record's decisions and actions: amendments keep what they replace, and an
amended decision goes on the chronology again."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.supervision.conftest import Headers, Team, open_case, outbox_events
from tests.supervision.test_records import CHRONOLOGY, held_meeting, with_etag


async def final_record(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> tuple[uuid.UUID, dict[str, Any]]:
    """A case's final record with one decision and one action."""
    case_id = await open_case(client, team, opened_at=datetime.now(UTC) - timedelta(days=30))
    meeting = await held_meeting(client, as_, team, case_id, days_ago=0)
    url = f"/meetings/{meeting['id']}/cases/{case_id}/record"
    chair = as_(team.manager)
    decided = await client.post(
        f"{url}/decisions",
        json={"decision": "Stay on a child in need plan.", "rationale": "Progress is steady."},
        headers=chair,
    )
    assert decided.status_code == 200, decided.text
    acted = await client.post(
        f"{url}/actions",
        json={
            "description": "Book the family network meeting.",
            "owner_id": str(team.social_worker.practitioner_id),
            "due_on": (date.today() + timedelta(days=14)).isoformat(),
        },
        headers=chair,
    )
    assert acted.status_code == 200, acted.text
    final = await client.post(f"{url}/finalise", headers=with_etag(chair, acted))
    assert final.status_code == 200, final.text
    record: dict[str, Any] = final.json()
    return case_id, record


async def test_a_final_decision_is_amended_keeping_the_original_and_told_to_the_chronology(
    client: httpx.AsyncClient, as_: Headers, team: Team, db_engine: AsyncEngine
) -> None:
    case_id, record = await final_record(client, as_, team)
    [decision] = record["decisions"]
    amend = f"/cases/{case_id}/decisions/{decision['id']}/amendments"
    body = {
        "decision": "Step up to a child protection plan.",
        "reason": "The decision was minuted wrongly; the team agreed to step up.",
    }

    for refused_as, status in (
        (team.social_worker, 403),
        (team.colleague, 404),
        (team.outsider_manager, 404),
    ):
        refused = await client.post(amend, json=body, headers=as_(refused_as))
        assert refused.status_code == status, (refused_as, refused.text)
    assert (
        await client.post(amend, json={"reason": "nothing changed"}, headers=as_(team.manager))
    ).status_code == 422
    assert (
        await client.post(
            amend,
            json={"decision_maker_id": str(uuid.uuid4()), "reason": "wrong maker"},
            headers=as_(team.manager),
        )
    ).status_code == 422
    missing = f"/cases/{case_id}/decisions/{uuid.uuid4()}/amendments"
    assert (await client.post(missing, json=body, headers=as_(team.manager))).status_code == 404

    amended = await client.post(amend, json=body, headers=as_(team.manager))

    assert amended.status_code == 200, amended.text
    view = amended.json()
    assert view["revision"] == record["revision"] + 1
    [now] = view["decisions"]
    assert now["decision"] == body["decision"]
    assert now["rationale"] == decision["rationale"]
    [amendment] = view["amendments"]
    assert amendment["decision_id"] == decision["id"]
    assert amendment["action_id"] is None
    assert amendment["previous"] == {"decision": "Stay on a child in need plan."}
    assert amendment["reason"] == body["reason"]
    assert amendment["amended_by"] == str(team.manager.practitioner_id)
    # The original went to the chronology at finalising; the amended one follows it.
    items = [e for e in await outbox_events(db_engine, f"cases/{case_id}/") if e.type == CHRONOLOGY]
    assert [item.data["title"] for item in items] == [
        "Group case supervision decision: Stay on a child in need plan.",
        "Group case supervision decision (amended): Step up to a child protection plan.",
    ]
    assert body["reason"] in items[1].data["summary"]


async def test_a_final_records_action_is_amended_and_a_drafts_is_not(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    case_id, record = await final_record(client, as_, team)
    [action] = record["actions"]
    amend = f"/cases/{case_id}/actions/{action['id']}/amendments"
    later = (date.today() + timedelta(days=28)).isoformat()
    too_early = (date.today() - timedelta(days=3)).isoformat()
    assert (
        await client.post(
            amend, json={"due_on": too_early, "reason": "typo"}, headers=as_(team.manager)
        )
    ).status_code == 422
    assert (
        await client.post(
            amend,
            json={"owner_id": str(team.colleague.practitioner_id), "reason": "not invited"},
            headers=as_(team.manager),
        )
    ).status_code == 422

    amended = await client.post(
        amend,
        json={
            "due_on": later,
            "owner_id": str(team.specialist.practitioner_id),
            "reason": "The specialist took this on.",
        },
        headers=as_(team.manager),
    )

    assert amended.status_code == 200, amended.text
    [now] = amended.json()["actions"]
    assert (now["due_on"], now["owner_id"]) == (later, str(team.specialist.practitioner_id))
    assert now["version"] == action["version"] + 1
    [amendment] = amended.json()["amendments"]
    assert amendment["action_id"] == action["id"]
    assert amendment["previous"] == {
        "due_on": action["due_on"],
        "owner_id": str(team.social_worker.practitioner_id),
    }

    # A draft's actions are not amended (the draft is still being written).
    draft_case = await open_case(client, team)
    meeting = await held_meeting(client, as_, team, draft_case, days_ago=0)
    draft_url = f"/meetings/{meeting['id']}/cases/{draft_case}/record"
    acted = await client.post(
        f"{draft_url}/actions",
        json={
            "description": "Draft action",
            "owner_id": str(team.social_worker.practitioner_id),
            "due_on": later,
        },
        headers=as_(team.manager),
    )
    [draft_action] = acted.json()["actions"]
    refused = await client.post(
        f"/cases/{draft_case}/actions/{draft_action['id']}/amendments",
        json={"due_on": later, "reason": "too soon"},
        headers=as_(team.manager),
    )
    assert refused.status_code == 409
