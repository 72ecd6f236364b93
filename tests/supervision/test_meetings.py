"""GCS meetings over HTTP: booking, who sees what, moves and cancellation with history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.principal import Principal
from tests.projection.factories import allocation_snapshot, announce, case_snapshot
from tests.supervision.conftest import Headers, Team, open_case, outbox_events

MEETING_EVENTS = "uk.gov.fsm.supervision.meeting."


def next_week(hour: int = 10) -> datetime:
    day = datetime.now(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return day + timedelta(days=7)


def booking(team: Team, case_ids: list[uuid.UUID], **changes: Any) -> dict[str, Any]:
    start = next_week()
    body: dict[str, Any] = {
        "team_id": str(team.id),
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
        "place": "Meeting room 2",
        "case_ids": [str(c) for c in case_ids],
    }
    body.update(changes)
    return body


async def book(
    client: httpx.AsyncClient, as_: Headers, team: Team, case_ids: list[uuid.UUID], **changes: Any
) -> dict[str, Any]:
    response = await client.post(
        "/meetings", json=booking(team, case_ids, **changes), headers=as_(team.manager)
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/meetings/{response.json()['id']}"
    body: dict[str, Any] = response.json()
    return body


async def second_case(client: httpx.AsyncClient, team: Team, worker: Principal) -> uuid.UUID:
    """A case of the team only `worker` is allocated to."""
    case = case_snapshot(team.id)
    await announce(client, case, allocation_snapshot(case, worker.practitioner_id))
    return case.case_id


async def test_a_manager_books_a_meeting_and_every_allocated_worker_is_invited(
    client: httpx.AsyncClient, as_: Headers, team: Team, db_engine: AsyncEngine
) -> None:
    first = await open_case(client, team)
    second = await second_case(client, team, team.colleague)
    meeting = await book(client, as_, team, [first, second])

    assert meeting["status"] == "scheduled"
    assert meeting["sequence"] == 0
    assert meeting["chair_id"] == str(team.manager.practitioner_id)
    invited = {i["practitioner_id"]: i["invited_as"] for i in meeting["invitees"]}
    assert invited == {
        str(team.manager.practitioner_id): "chair",
        str(team.social_worker.practitioner_id): "allocated",
        str(team.specialist.practitioner_id): "allocated",
        str(team.colleague.practitioner_id): "allocated",
    }
    assert [a["case_id"] for a in meeting["agenda"]] == [str(first), str(second)]
    [event] = await outbox_events(db_engine, f"meetings/{meeting['id']}")
    assert event.type == f"{MEETING_EVENTS}booked"
    assert set(event.data["invitee_ids"]) == set(invited)
    assert "display_name" not in str(event.data)


async def test_a_meeting_exists_for_each_worker_with_only_their_own_cases(
    client: httpx.AsyncClient, as_: Headers, team: Team, make_principal: Any
) -> None:
    first = await open_case(client, team)
    second = await second_case(client, team, team.colleague)
    meeting = await book(client, as_, team, [first, second])
    url = f"/meetings/{meeting['id']}"

    mine = await client.get(url, headers=as_(team.social_worker))
    assert mine.status_code == 200, mine.text
    assert [a["case_id"] for a in mine.json()["agenda"]] == [str(first)]
    assert mine.headers["etag"]
    theirs = await client.get(url, headers=as_(team.colleague))
    assert [a["case_id"] for a in theirs.json()["agenda"]] == [str(second)]

    stranger = make_principal(teams=(team.id,))
    missing = await client.get(f"/meetings/{uuid.uuid4()}", headers=as_(stranger))
    for outsider in (stranger, team.outsider, team.outsider_manager):
        refused = await client.get(url, headers=as_(outsider))
        assert refused.status_code == 404
        assert refused.json()["type"] == missing.json()["type"]
    assert (await client.get(url)).status_code == 401

    listed = await client.get("/meetings", headers=as_(team.social_worker))
    assert [m["id"] for m in listed.json()["items"]] == [meeting["id"]]
    assert listed.json()["items"][0]["case_count"] == 1
    assert (await client.get("/meetings", headers=as_(stranger))).json()["items"] == []
    for window in ({"starts_from": "0.5"}, {"starts_before": "2020-01-01T00:00:00Z"}):
        refused = await client.get("/meetings", params=window, headers=as_(team.social_worker))
        assert refused.status_code == 422, window
    due = await client.get(
        f"/teams/{team.id}/due", params={"which": "all"}, headers=as_(team.manager)
    )
    booked_for = {i["case_id"]: i["next_meeting_at"] for i in due.json()["items"]}
    assert booked_for[str(first)] is not None


async def test_only_the_team_s_managers_book_and_only_its_open_cases(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    case_id = await open_case(client, team)
    body = booking(team, [case_id])
    assert (
        await client.post("/meetings", json=body, headers=as_(team.social_worker))
    ).status_code == 403
    other = await client.post("/meetings", json=body, headers=as_(team.outsider_manager))
    assert other.status_code == 403
    assert (await client.post("/meetings", json=body)).status_code == 401

    closed = await open_case(client, team, status="closed", closed_at=datetime.now(UTC))
    for bad in (
        booking(team, [closed]),
        booking(team, [uuid.uuid4()]),
        booking(team, [case_id, case_id]),
        booking(team, [case_id], ends_at=next_week(hour=9).isoformat()),
        booking(team, [case_id], chair_id=str(team.outsider.practitioner_id)),
        booking(team, []),
        booking(team, [case_id], starts_at="2026-12-01T10:00:00"),
    ):
        refused = await client.post("/meetings", json=bad, headers=as_(team.manager))
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"


async def test_a_move_keeps_history_and_the_sequence_grows_and_a_cancelled_meeting_stays(
    client: httpx.AsyncClient, as_: Headers, team: Team, db_engine: AsyncEngine
) -> None:
    meeting = await book(client, as_, team, [await open_case(client, team)])
    url = f"/meetings/{meeting['id']}"
    etag = (await client.get(url, headers=as_(team.manager))).headers["etag"]
    later = next_week(hour=14)
    move = {
        "starts_at": later.isoformat(),
        "ends_at": (later + timedelta(hours=1)).isoformat(),
        "reason": "The chair is in court that morning.",
    }

    assert (
        await client.post(f"{url}/reschedule", json=move, headers=as_(team.manager))
    ).status_code == 428
    refused = await client.post(
        f"{url}/reschedule", json=move, headers={**as_(team.social_worker), "If-Match": etag}
    )
    assert refused.status_code == 403
    moved = await client.post(
        f"{url}/reschedule", json=move, headers={**as_(team.manager), "If-Match": etag}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["sequence"] == 1
    assert moved.json()["place"] == "Meeting room 2"
    assert [h["change"] for h in moved.json()["history"]] == ["booked", "rescheduled"]
    assert moved.json()["history"][0]["starts_at"] == meeting["starts_at"]
    stale = await client.post(
        f"{url}/reschedule", json=move, headers={**as_(team.manager), "If-Match": etag}
    )
    assert stale.status_code == 412

    cancelled = await client.post(
        f"{url}/cancel",
        json={"reason": "Everyone is at the child protection conference."},
        headers={**as_(team.manager), "If-Match": moved.headers["etag"]},
    )
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["sequence"]) == ("cancelled", 2)
    again = await client.post(
        f"{url}/reschedule",
        json=move,
        headers={**as_(team.manager), "If-Match": cancelled.headers["etag"]},
    )
    assert again.status_code == 409
    types = [e.type for e in await outbox_events(db_engine, f"meetings/{meeting['id']}")]
    assert types == [f"{MEETING_EVENTS}{c}" for c in ("booked", "rescheduled", "cancelled")]


async def test_the_chair_records_attendance_and_an_invitee_sends_their_own_apologies(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    meeting = await book(client, as_, team, [await open_case(client, team)])
    url = f"/meetings/{meeting['id']}/attendance"
    worker = str(team.social_worker.practitioner_id)
    specialist = str(team.specialist.practitioner_id)

    sorry = await client.post(
        url,
        json={"practitioner_id": worker, "attendance": "apologies", "note": "Annual leave"},
        headers=as_(team.social_worker),
    )
    assert sorry.status_code == 200, sorry.text
    marked = await client.post(
        url,
        json={"practitioner_id": specialist, "attendance": "attended"},
        headers=as_(team.social_worker),
    )
    assert marked.status_code == 403
    came = await client.post(
        url,
        json={"practitioner_id": specialist, "attendance": "attended"},
        headers=as_(team.manager),
    )
    assert came.status_code == 200
    attendance = {i["practitioner_id"]: i["attendance"] for i in came.json()["invitees"]}
    assert (attendance[worker], attendance[specialist]) == ("apologies", "attended")
    stranger = await client.post(
        url,
        json={"practitioner_id": str(team.colleague.practitioner_id), "attendance": "absent"},
        headers=as_(team.manager),
    )
    assert stranger.status_code == 422
