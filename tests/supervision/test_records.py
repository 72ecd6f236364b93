"""The record of a case's discussion: minuting, updates, decisions, actions carried forward,
finalising by the chair alone, amendments, and what finalising changes elsewhere."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.working_days import local_date
from tests.supervision.conftest import Headers, MakePrincipal, Team, open_case, outbox_events
from tests.supervision.test_meetings import booking

CHRONOLOGY = "uk.gov.fsm.supervision.chronology.recorded"


async def held_meeting(
    client: httpx.AsyncClient, as_: Headers, team: Team, case_id: uuid.UUID, *, days_ago: int
) -> dict[str, Any]:
    """A meeting of the team about the case that started `days_ago` days ago."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=days_ago, hours=1)
    body = booking(
        team,
        [case_id],
        starts_at=start.isoformat(),
        ends_at=(start + timedelta(minutes=50)).isoformat(),
    )
    response = await client.post("/meetings", json=body, headers=as_(team.manager))
    assert response.status_code == 201, response.text
    meeting: dict[str, Any] = response.json()
    return meeting


def with_etag(headers: dict[str, str], response: httpx.Response) -> dict[str, str]:
    return {**headers, "If-Match": response.headers["etag"]}


async def test_a_gcs_is_minuted_finalised_by_its_chair_and_then_only_amended(
    client: httpx.AsyncClient,
    as_: Headers,
    team: Team,
    make_principal: MakePrincipal,
    db_engine: AsyncEngine,
) -> None:
    case_id = await open_case(client, team, opened_at=datetime.now(UTC) - timedelta(days=30))
    meeting = await held_meeting(client, as_, team, case_id, days_ago=0)
    url = f"/meetings/{meeting['id']}/cases/{case_id}/record"
    chair = as_(team.manager)

    draft = await client.get(url, headers=as_(team.social_worker))
    assert draft.status_code == 200, draft.text
    assert draft.json()["status"] == "draft"
    update = {"update": "Visited twice; both children seen alone."}
    assert (
        await client.post(f"{url}/updates", json=update, headers=as_(team.social_worker))
    ).status_code == 200
    specialist = await client.post(
        f"{url}/updates",
        json={"update": "Engaging with recovery work."},
        headers=as_(team.specialist),
    )
    assert specialist.status_code == 200, specialist.text
    assert (await client.post(f"{url}/updates", json=update, headers=chair)).status_code == 403
    assert (
        await client.post(f"{url}/updates", json=update, headers=as_(team.colleague))
    ).status_code == 404

    content = {
        "lived_experience": "The children say mornings are calmer.",
        "worried_about": "Father's drinking at weekends.",
        "working_well": "Mother takes the children to school every day.",
        "needs_to_happen": "A safety plan for weekends.",
        "scaling": 6,
    }
    current = await client.get(url, headers=chair)
    assert (
        await client.patch(url, json=content, headers=with_etag(as_(team.specialist), current))
    ).status_code == 403
    minuted = await client.patch(url, json=content, headers=with_etag(chair, current))
    assert minuted.status_code == 200, minuted.text
    assert minuted.json()["scaling"] == 6
    assert (
        await client.patch(url, json={"scaling": 11}, headers=with_etag(chair, minuted))
    ).status_code == 422

    decision = {
        "decision": "Stay on a child protection plan.",
        "rationale": "Risk at weekends is not yet reduced.",
    }
    decided = await client.post(f"{url}/decisions", json=decision, headers=chair)
    assert decided.status_code == 200, decided.text
    [made] = decided.json()["decisions"]
    assert made["decision_maker_id"] == str(team.manager.practitioner_id)
    stranger_maker = {**decision, "decision_maker_id": str(uuid.uuid4())}
    assert (
        await client.post(f"{url}/decisions", json=stranger_maker, headers=chair)
    ).status_code == 422
    action = {
        "description": "Agree a weekend safety plan with both parents.",
        "owner_id": str(team.social_worker.practitioner_id),
        "due_on": (date.today() + timedelta(days=14)).isoformat(),
    }
    acted = await client.post(f"{url}/actions", json=action, headers=chair)
    assert acted.status_code == 200, acted.text
    assert (
        await client.post(f"{url}/actions", json=action, headers=as_(team.social_worker))
    ).status_code == 403

    # Another manager of the team minutes, but only the chair finalises.
    deputy = make_principal(
        discipline="team_manager", roles=("practitioner", "team_manager"), manages=(team.id,)
    )
    latest = await client.get(url, headers=chair)
    assert (
        await client.post(f"{url}/finalise", headers=with_etag(as_(deputy), latest))
    ).status_code == 403
    assert (await client.post(f"{url}/finalise", headers=chair)).status_code == 428
    final = await client.post(f"{url}/finalise", headers=with_etag(chair, latest))
    assert final.status_code == 200, final.text
    assert (final.json()["status"], final.json()["revision"]) == ("final", 1)

    # Immutable now: edits and new decisions are refused; an amendment keeps what it replaced.
    assert (
        await client.patch(url, json={"scaling": 7}, headers=with_etag(chair, final))
    ).status_code == 409
    assert (await client.post(f"{url}/decisions", json=decision, headers=chair)).status_code == 409
    assert (
        await client.post(f"{url}/updates", json=update, headers=as_(team.social_worker))
    ).status_code == 409
    amendment = {"scaling": 5, "reason": "The chair misheard the team's scaling."}
    assert (
        await client.post(
            f"{url}/amendments", json={"reason": "nothing"}, headers=with_etag(chair, final)
        )
    ).status_code == 422
    amended = await client.post(
        f"{url}/amendments", json=amendment, headers=with_etag(chair, final)
    )
    assert amended.status_code == 200, amended.text
    assert amended.json()["scaling"] == 5
    assert amended.json()["revision"] == 2
    assert amended.json()["amendments"][0]["previous"] == {"scaling": 6}

    # The decision goes on the chronology; the case's next GCS falls due from this meeting.
    events = await outbox_events(db_engine, f"cases/{case_id}/")
    [item] = [e for e in events if e.type == CHRONOLOGY]
    assert item.data["title"].endswith("Stay on a child protection plan.")
    assert item.data["case_id"] == str(case_id)
    cadence = await client.get(f"/cases/{case_id}/cadence", headers=chair)
    assert cadence.json()["last_gcs_at"] is not None
    assert date.fromisoformat(cadence.json()["due_on"]) > local_date(datetime.now(UTC)) + timedelta(
        days=20
    )
    # A held meeting is not moved.
    moved = await client.post(
        f"/meetings/{meeting['id']}/cancel",
        json={"reason": "too late"},
        headers=with_etag(chair, await client.get(f"/meetings/{meeting['id']}", headers=chair)),
    )
    assert moved.status_code == 409


async def test_unfinished_actions_carry_forward_until_done_or_dropped(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    case_id = await open_case(client, team, opened_at=datetime.now(UTC) - timedelta(days=90))
    chair = as_(team.manager)
    first = await held_meeting(client, as_, team, case_id, days_ago=56)
    first_url = f"/meetings/{first['id']}/cases/{case_id}/record"
    for description in ("Refer father to the recovery service.", "Book a family meeting."):
        await client.post(
            f"{first_url}/actions",
            json={
                "description": description,
                "owner_id": str(team.social_worker.practitioner_id),
                "due_on": (date.today() - timedelta(days=40)).isoformat(),
            },
            headers=chair,
        )
    record = await client.get(first_url, headers=chair)
    assert (
        await client.post(f"{first_url}/finalise", headers=with_etag(chair, record))
    ).status_code == 200

    second = await held_meeting(client, as_, team, case_id, days_ago=28)
    second_url = f"/meetings/{second['id']}/cases/{case_id}/record"
    carried = (await client.get(second_url, headers=as_(team.specialist))).json()["carried_forward"]
    assert sorted(a["description"] for a in carried) == [
        "Book a family meeting.",
        "Refer father to the recovery service.",
    ]
    referral = next(a for a in carried if a["description"].startswith("Refer"))
    meeting_action = next(a for a in carried if a["description"].startswith("Book"))

    mine = await client.get("/actions", headers=as_(team.social_worker))
    assert {a["id"] for a in mine.json()["items"]} == {referral["id"], meeting_action["id"]}
    assert (await client.get("/actions", headers=as_(team.specialist))).json()["items"] == []

    close = f"/cases/{case_id}/actions/{referral['id']}/close"
    assert (
        await client.post(close, json={"outcome": "done"}, headers=as_(team.specialist))
    ).status_code == 403
    assert (
        await client.post(close, json={"outcome": "dropped"}, headers=as_(team.social_worker))
    ).status_code == 422
    done = await client.post(close, json={"outcome": "done"}, headers=as_(team.social_worker))
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done"
    assert (
        await client.post(close, json={"outcome": "done"}, headers=as_(team.social_worker))
    ).status_code == 409
    missing = await client.post(
        f"/cases/{case_id}/actions/{uuid.uuid4()}/close", json={"outcome": "done"}, headers=chair
    )
    assert missing.status_code == 404

    record = await client.get(second_url, headers=chair)
    assert [a["id"] for a in record.json()["carried_forward"]] == [meeting_action["id"]]
    still = await client.get("/actions", headers=as_(team.social_worker))
    assert [a["id"] for a in still.json()["items"]] == [meeting_action["id"]]
    every_of_mine = await client.get(
        "/actions", params={"status": "all"}, headers=as_(team.social_worker)
    )
    assert len(every_of_mine.json()["items"]) == 2
    assert (
        await client.post(f"{second_url}/finalise", headers=with_etag(chair, record))
    ).status_code == 200
    dropped = await client.post(
        f"/cases/{case_id}/actions/{meeting_action['id']}/close",
        json={"outcome": "dropped", "reason": "The family moved to a new address."},
        headers=chair,
    )
    assert dropped.status_code == 200, dropped.text
    # The finalised record keeps the action as it stood at the meeting.
    kept = (await client.get(second_url, headers=chair)).json()["carried_forward"]
    assert [(a["id"], a["status"]) for a in kept] == [(meeting_action["id"], "open")]
    assert (await client.get(f"/cases/{case_id}/actions", headers=chair)).json()["items"] == []
    every = await client.get(f"/cases/{case_id}/actions", params={"status": "all"}, headers=chair)
    assert {a["status"] for a in every.json()["items"]} == {"done", "dropped"}
    assert (
        await client.get(f"/cases/{case_id}/actions", headers=as_(team.outsider_manager))
    ).status_code == 404


async def test_a_record_is_finalised_only_once_its_meeting_has_started(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    case_id = await open_case(client, team)
    response = await client.post(
        "/meetings", json=booking(team, [case_id]), headers=as_(team.manager)
    )
    url = f"/meetings/{response.json()['id']}/cases/{case_id}/record"
    record = await client.get(url, headers=as_(team.manager))
    early = await client.post(f"{url}/finalise", headers=with_etag(as_(team.manager), record))
    assert early.status_code == 409
    other = await open_case(client, team)
    elsewhere = await client.get(
        f"/meetings/{response.json()['id']}/cases/{other}/record", headers=as_(team.manager)
    )
    assert elsewhere.status_code == 404
