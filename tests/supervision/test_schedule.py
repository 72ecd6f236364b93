"""The team schedule over HTTP: slots, absences, proposals on real tables, and accepting one."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.event_contracts import MembershipSnapshot, PractitionerSnapshot
from services.principal import Principal
from services.working_days import ENGLAND, LONDON
from tests.projection.factories import allocation_snapshot, announce, case_snapshot, hours_ago
from tests.supervision.conftest import Headers, MakePrincipal, Team, outbox_events

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def schedule_url(team: Team) -> str:
    return f"/teams/{team.id}/schedule"


def today() -> date:
    return datetime.now(UTC).astimezone(LONDON).date()


async def add_slots(
    client: httpx.AsyncClient, as_: Headers, team: Team, **changes: Any
) -> list[dict[str, Any]]:
    """A 10:00 slot on every weekday, taking three cases."""
    made = []
    for weekday in WEEKDAYS:
        body = {
            "weekday": weekday,
            "starts_at": "10:00",
            "duration_minutes": 90,
            "place": "Team room (test)",
            "capacity": 3,
            **changes,
        }
        response = await client.post(
            f"{schedule_url(team)}/slots", json=body, headers=as_(team.manager)
        )
        assert response.status_code == 201, response.text
        made.append(response.json())
    return made


async def name(client: httpx.AsyncClient, team: Team, who: Principal, display_name: str) -> None:
    """The directory announces a member of the team with their name."""
    await announce(
        client,
        PractitionerSnapshot(
            practitioner_id=who.practitioner_id,
            display_name=display_name,
            discipline=who.discipline,
            roles=sorted(who.roles),
            active=True,
            memberships=[MembershipSnapshot(team_id=team.id, role_in_team="member")],
            version=1,
        ),
    )


async def due_case(client: httpx.AsyncClient, team: Team, *workers: Principal) -> uuid.UUID:
    """A case of the team opened yesterday (due its first GCS in ten working days)."""
    case = case_snapshot(team.id, opened_at=hours_ago(24))
    await announce(client, case, *(allocation_snapshot(case, w.practitioner_id) for w in workers))
    return case.case_id


async def absent(
    client: httpx.AsyncClient, as_: Headers, who: Principal, first: date, last: date
) -> dict[str, Any]:
    response = await client.post(
        "/absences",
        json={"first_day": first.isoformat(), "last_day": last.isoformat()},
        headers=as_(who),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def propose(client: httpx.AsyncClient, as_: Headers, team: Team) -> dict[str, Any]:
    response = await client.post(
        f"{schedule_url(team)}/proposals", json={"horizon_weeks": 4}, headers=as_(team.manager)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def accept(
    client: httpx.AsyncClient, as_: Headers, team: Team, proposal: dict[str, Any]
) -> httpx.Response:
    return await client.post(
        f"{schedule_url(team)}/proposals/{proposal['id']}/accept", headers=as_(team.manager)
    )


async def test_slots_expand_into_sessions_on_working_days_at_local_time(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    await add_slots(client, as_, team)
    response = await client.get(schedule_url(team), params={"weeks": 6}, headers=as_(team.manager))
    assert response.status_code == 200, response.text
    schedule = response.json()
    assert len(schedule["slots"]) == 5
    sessions = schedule["sessions"]
    assert sessions
    for session in sessions:
        local = datetime.fromisoformat(session["starts_at"]).astimezone(LONDON)
        assert ENGLAND.is_working_day(local.date())
        assert (local.hour, local.minute) == (10, 0)
    days = {datetime.fromisoformat(s["starts_at"]).astimezone(LONDON).date() for s in sessions}
    working = {
        day
        for offset in range(6 * 7 + 1)
        if ENGLAND.is_working_day(
            day := date.fromisoformat(schedule["first_day"]) + timedelta(offset)
        )
    }
    assert days == working


async def test_a_proposal_places_a_due_case_and_names_the_absent_worker_for_the_other(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    await add_slots(client, as_, team)
    await name(client, team, team.specialist, "Sam Synthetic")
    blocked = await due_case(client, team, team.social_worker, team.specialist)
    placed = await due_case(client, team, team.colleague)
    await absent(client, as_, team.specialist, today(), today() + timedelta(weeks=5))

    proposal = await propose(client, as_, team)

    assert proposal["status"] == "proposed"
    assert proposal["counts"] == {"due_cases": 2, "on_time": 1, "late": 0, "not_placed": 1}
    assert proposal["solver"]["status"] in ("OPTIMAL", "FEASIBLE")
    [meeting] = proposal["meetings"]
    assert meeting["case_ids"] == [str(placed)]
    assert {a["practitioner_id"] for a in meeting["attendees"]} == {
        str(team.manager.practitioner_id),
        str(team.colleague.practitioner_id),
    }
    [unplaced] = proposal["unplaced"]
    assert unplaced["case_id"] == str(blocked)
    assert unplaced["placed_late_in"] is None
    absences = [r for r in unplaced["reasons"] if r["kind"] == "person_unavailable"]
    assert absences, unplaced["reasons"]
    for reason in absences:
        assert reason["person"]["practitioner_id"] == str(team.specialist.practitioner_id)
        assert reason["busy"] == "absence"
        assert reason["description"].startswith(
            f"Sam Synthetic is absent during the session on {reason['day']}"
        )
    # Read back as it was stored.
    again = await client.get(
        f"{schedule_url(team)}/proposals/{proposal['id']}", headers=as_(team.manager)
    )
    assert again.status_code == 200
    assert again.json() == proposal


async def test_accepting_books_the_meetings_once_with_invitees_from_the_allocations(
    client: httpx.AsyncClient, as_: Headers, team: Team, db_engine: AsyncEngine
) -> None:
    await add_slots(client, as_, team)
    case = await due_case(client, team, team.social_worker, team.specialist)
    proposal = await propose(client, as_, team)

    accepted = await accept(client, as_, team, proposal)
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["status"] == "accepted"
    assert body["accepted_by"] == str(team.manager.practitioner_id)
    [meeting] = body["meetings"]
    meeting_id = meeting["meeting_id"]
    booked = await client.get(f"/meetings/{meeting_id}", headers=as_(team.manager))
    assert booked.status_code == 200
    view = booked.json()
    assert [a["case_id"] for a in view["agenda"]] == [str(case)]
    assert datetime.fromisoformat(view["starts_at"]) == datetime.fromisoformat(meeting["starts_at"])
    assert view["place"] == "Team room (test)"
    invited = {i["practitioner_id"]: i["invited_as"] for i in view["invitees"]}
    assert invited == {
        str(team.manager.practitioner_id): "chair",
        str(team.social_worker.practitioner_id): "allocated",
        str(team.specialist.practitioner_id): "allocated",
    }
    [event] = await outbox_events(db_engine, f"meetings/{meeting_id}")
    assert event.type == "uk.gov.fsm.supervision.meeting.booked"

    # Accepting again books nothing more and answers the same meetings.
    twice = await accept(client, as_, team, proposal)
    assert twice.status_code == 200
    assert twice.json()["meetings"][0]["meeting_id"] == meeting_id
    listed = await client.get(
        "/meetings", params={"team_id": str(team.id)}, headers=as_(team.manager)
    )
    assert [m["id"] for m in listed.json()["items"]] == [meeting_id]

    # The booked case is not proposed again.
    assert (await propose(client, as_, team))["counts"]["due_cases"] == 0

    # An accepted meeting moves like one booked by hand: history kept, sequence up.
    etag = booked.headers["etag"]
    start = datetime.fromisoformat(view["starts_at"]) + timedelta(days=1)
    moved = await client.post(
        f"/meetings/{meeting_id}/reschedule",
        json={
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "reason": "Room double-booked",
        },
        headers={**as_(team.manager), "If-Match": etag},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["sequence"] == 1
    assert [c["change"] for c in moved.json()["history"]] == ["booked", "rescheduled"]


async def test_a_proposal_gone_stale_is_refused_naming_what_changed(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    await add_slots(client, as_, team)
    case = await due_case(client, team, team.colleague)
    proposal = await propose(client, as_, team)
    [meeting] = proposal["meetings"]
    day = datetime.fromisoformat(meeting["starts_at"]).astimezone(LONDON).date()
    await absent(client, as_, team.colleague, day, day)

    refused = await accept(client, as_, team, proposal)

    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"].endswith("proposal-stale")
    assert problem["conflicts"] == [
        f"{team.colleague.practitioner_id} is absent during the session on {day.isoformat()}."
    ]
    listed = await client.get(
        "/meetings", params={"team_id": str(team.id)}, headers=as_(team.manager)
    )
    assert listed.json()["items"] == []
    # A proposal made now places the case around the absence, and books.
    fresh = await propose(client, as_, team)
    assert fresh["meetings"][0]["case_ids"] == [str(case)]
    assert (
        datetime.fromisoformat(fresh["meetings"][0]["starts_at"]).astimezone(LONDON).date() != day
    )
    assert (await accept(client, as_, team, fresh)).status_code == 200


async def test_a_case_booked_by_hand_since_makes_the_proposal_stale(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    await add_slots(client, as_, team)
    case = await due_case(client, team, team.colleague)
    proposal = await propose(client, as_, team)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    booked = await client.post(
        "/meetings",
        json={
            "team_id": str(team.id),
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(minutes=30)).isoformat(),
            "place": "Elsewhere",
            "case_ids": [str(case)],
        },
        headers=as_(team.manager),
    )
    assert booked.status_code == 201

    refused = await accept(client, as_, team, proposal)

    assert refused.status_code == 409
    assert f"Case {case} has been booked for a GCS since." in refused.json()["conflicts"]


async def test_absences_are_the_practitioners_own_and_their_managers(
    client: httpx.AsyncClient, as_: Headers, team: Team, make_principal: MakePrincipal
) -> None:
    auditor = make_principal(discipline="auditor", roles=("auditor",), teams=(team.id,))
    nobody_invites = await client.post(
        "/absences",
        json={"first_day": today().isoformat(), "last_day": today().isoformat()},
        headers=as_(auditor),
    )
    assert nobody_invites.status_code == 403
    await name(client, team, team.specialist, "Sam Synthetic")
    first = today() + timedelta(days=3)
    # A manager records one for a member of their team; not for anyone else.
    by_manager = await client.post(
        "/absences",
        json={
            "practitioner_id": str(team.specialist.practitioner_id),
            "first_day": first.isoformat(),
            "last_day": (first + timedelta(days=2)).isoformat(),
        },
        headers=as_(team.manager),
    )
    assert by_manager.status_code == 201, by_manager.text
    stranger = await client.post(
        "/absences",
        json={
            "practitioner_id": str(team.outsider.practitioner_id),
            "first_day": first.isoformat(),
            "last_day": first.isoformat(),
        },
        headers=as_(team.manager),
    )
    assert stranger.status_code == 403
    mine = await client.get("/absences", headers=as_(team.specialist))
    assert [a["id"] for a in mine.json()["items"]] == [by_manager.json()["id"]]
    schedule = await client.get(schedule_url(team), headers=as_(team.manager))
    assert [a["id"] for a in schedule.json()["absences"]] == [by_manager.json()["id"]]
    backwards = await client.post(
        "/absences",
        json={"first_day": first.isoformat(), "last_day": (first - timedelta(days=1)).isoformat()},
        headers=as_(team.specialist),
    )
    assert backwards.status_code == 422
    assert backwards.headers["content-type"] == "application/problem+json"

    url = f"/absences/{by_manager.json()['id']}"
    for outsider in (team.outsider, team.outsider_manager, team.colleague):
        assert (await client.delete(url, headers=as_(outsider))).status_code == 404
    assert (await client.delete(url, headers=as_(team.specialist))).status_code == 204
    assert (await client.delete(url, headers=as_(team.specialist))).status_code == 404


async def test_slots_are_validated_and_removed_by_the_teams_managers(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    url = f"{schedule_url(team)}/slots"
    base = {
        "weekday": "tuesday",
        "starts_at": "10:00",
        "duration_minutes": 60,
        "place": "Room 1",
        "capacity": 4,
    }
    for wrong in (
        {"weekday": "saturday"},
        {"capacity": 0},
        {"duration_minutes": 600},
        {"starts_at": "10:00:30"},
        {"starts_at": "10:00+01:00"},
        {"starts_at": "24:00"},
        {"valid_from": "2027-02-01", "valid_to": "2027-01-01"},
    ):
        refused = await client.post(url, json={**base, **wrong}, headers=as_(team.manager))
        assert refused.status_code == 422, (wrong, refused.text)
    made = await client.post(url, json=base, headers=as_(team.manager))
    assert made.status_code == 201
    slot_url = f"{url}/{made.json()['id']}"
    theirs = next(iter(team.outsider_manager.managed_team_ids))
    outsider_url = f"/teams/{theirs}/schedule/slots/{made.json()['id']}"
    assert (
        await client.delete(outsider_url, headers=as_(team.outsider_manager))
    ).status_code == 404
    assert (await client.delete(slot_url, headers=as_(team.outsider_manager))).status_code == 404
    assert (await client.delete(slot_url, headers=as_(team.social_worker))).status_code == 403
    assert (await client.delete(slot_url, headers=as_(team.manager))).status_code == 204
    schedule = await client.get(schedule_url(team), headers=as_(team.manager))
    assert schedule.json()["slots"] == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/schedule"),
        ("POST", "/schedule/slots"),
        ("POST", "/schedule/proposals"),
        ("GET", "/schedule/proposals"),
        ("GET", "/schedule/proposals/{proposal}"),
        ("POST", "/schedule/proposals/{proposal}/accept"),
    ],
)
async def test_the_schedule_is_for_the_teams_managers_only(
    client: httpx.AsyncClient, as_: Headers, team: Team, method: str, path: str
) -> None:
    proposal = await propose(client, as_, team)
    url = f"/teams/{team.id}" + path.format(proposal=proposal["id"])
    body: dict[str, Any] | None = {} if method == "POST" and path.endswith("proposals") else None
    anonymous = await client.request(method, url, json=body)
    assert anonymous.status_code == 401
    worker = await client.request(method, url, json=body, headers=as_(team.social_worker))
    assert worker.status_code == 403
    other = await client.request(method, url, json=body, headers=as_(team.outsider_manager))
    assert other.status_code == 404
    # Another team's proposal under the caller's own team is not there either.
    if "{proposal}" in path:
        theirs = next(iter(team.outsider_manager.managed_team_ids))
        crossed = await client.request(
            method,
            f"/teams/{theirs}" + path.format(proposal=proposal["id"]),
            headers=as_(team.outsider_manager),
        )
        assert crossed.status_code == 404


async def test_a_case_closed_since_makes_the_proposal_stale(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    await add_slots(client, as_, team)
    case = case_snapshot(team.id, opened_at=hours_ago(24))
    await announce(client, case, allocation_snapshot(case, team.colleague.practitioner_id))
    proposal = await propose(client, as_, team)
    assert proposal["meetings"][0]["case_ids"] == [str(case.case_id)]
    closed = case.model_copy(
        update={"status": "closed", "closed_at": datetime.now(UTC), "version": 2}
    )
    await announce(client, closed)

    refused = await accept(client, as_, team, proposal)

    assert refused.status_code == 409
    assert refused.json()["conflicts"] == [
        f"Case {case.case_id} is no longer an open case of the team."
    ]


async def test_two_acceptances_at_once_book_the_meetings_once(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    await add_slots(client, as_, team)
    await due_case(client, team, team.colleague)
    proposal = await propose(client, as_, team)

    first, second = await asyncio.gather(
        accept(client, as_, team, proposal), accept(client, as_, team, proposal)
    )

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["meetings"] == second.json()["meetings"]
    listed = await client.get(
        "/meetings", params={"team_id": str(team.id)}, headers=as_(team.manager)
    )
    assert len(listed.json()["items"]) == 1


async def test_another_manager_accepts_only_while_the_chair_is_in_the_team(
    client: httpx.AsyncClient, as_: Headers, team: Team, make_principal: MakePrincipal
) -> None:
    deputy = make_principal(
        discipline="team_manager", roles=("practitioner", "team_manager"), manages=(team.id,)
    )
    await add_slots(client, as_, team)
    await due_case(client, team, team.colleague)
    proposal = await propose(client, as_, team)
    # The directory has not (or no longer) announced the proposing manager in the team.
    refused = await accept(client, as_, Team(**{**team.__dict__, "manager": deputy}), proposal)
    assert refused.status_code == 409
    assert refused.json()["conflicts"] == ["The proposed chair is no longer a member of the team."]
    await name(client, team, team.manager, "Morgan Manager (synthetic)")
    accepted = await accept(client, as_, Team(**{**team.__dict__, "manager": deputy}), proposal)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["accepted_by"] == str(deputy.practitioner_id)
    meeting_id = accepted.json()["meetings"][0]["meeting_id"]
    meeting = await client.get(f"/meetings/{meeting_id}", headers=as_(deputy))
    assert meeting.json()["chair_id"] == str(team.manager.practitioner_id)
