"""Supervision's change feed: ordered, resumable, as the caller may see it, with tombstones."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.projection.factories import allocation_snapshot, announce, case_snapshot
from tests.supervision.conftest import Headers, MakePrincipal, Team, open_case
from tests.supervision.test_meetings import book
from tests.supervision.test_records import held_meeting
from tests.support.change_feed import ids_of, keys, read_all, read_text


def marker(label: str) -> str:
    return f"gcsfeed{label}{uuid.uuid4().hex[:10]}"


async def add_decision(
    client: httpx.AsyncClient,
    as_: Headers,
    team: Team,
    meeting: dict[str, Any],
    case_id: uuid.UUID,
    text: str,
) -> None:
    url = f"/meetings/{meeting['id']}/cases/{case_id}/record/decisions"
    body = {"decision": text, "rationale": "Agreed at the meeting."}
    response = await client.post(url, json=body, headers=as_(team.manager))
    assert response.status_code == 200, response.text


async def test_first_read_has_the_meeting_and_record_then_only_what_changed(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    case_id = await open_case(client, team)
    meeting = await book(client, as_, team, [case_id])
    sw = as_(team.social_worker)

    items, cursor = await read_all(client, sw)
    meetings = [i for i in items if i["kind"] == "meeting" and i["id"] == meeting["id"]]
    assert [m["case_id"] for m in meetings] == [str(case_id)]
    assert meetings[0]["meeting"]["agenda"] == [{"case_id": str(case_id), "position": 1}]
    records = [i for i in items if i["kind"] == "case_record" and i["case_id"] == str(case_id)]
    assert len(records) == 1
    assert records[0]["record"]["meeting_id"] == meeting["id"]

    await add_decision(client, as_, team, meeting, case_id, "Refer to family group conference.")
    later, after = await read_all(client, sw, cursor)
    assert keys(later) == [("case_record", records[0]["id"], "upsert")]
    assert [d["decision"] for d in later[0]["record"]["decisions"]] == [
        "Refer to family group conference."
    ]
    # The same cursor again gives the same page; the one after it, nothing.
    again, _ = await read_all(client, sw, cursor)
    assert again == later
    quiet, _ = await read_all(client, sw, after)
    assert quiet == []


async def test_pages_are_in_commit_order_and_a_record_changed_twice_comes_once(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    first_case, second_case = await open_case(client, team), await open_case(client, team)
    manager = as_(team.manager)
    _, cursor = await read_all(client, manager)
    meeting = await book(client, as_, team, [first_case, second_case])
    await add_decision(client, as_, team, meeting, first_case, "Child protection conference.")
    await add_decision(client, as_, team, meeting, second_case, "Step down to early help.")
    await add_decision(client, as_, team, meeting, first_case, "Weekly visits.")

    items, _ = await read_all(client, manager, cursor)
    # The booking wrote both agenda items in one statement: its rows have no order among them.
    assert {(i["kind"], i["case_id"]) for i in items[:2]} == {
        ("meeting", str(first_case)),
        ("meeting", str(second_case)),
    }
    assert [(i["kind"], i["case_id"]) for i in items[2:]] == [
        ("case_record", str(second_case)),
        ("case_record", str(first_case)),
    ]
    assert len(items[-1]["record"]["decisions"]) == 2
    # In pages of one the same changes come, each page resuming where the last ended.
    paged, _ = await read_all(client, manager, cursor, limit=1)
    assert [(i["kind"], i["case_id"]) for i in paged][-2:] == [
        ("case_record", str(second_case)),
        ("case_record", str(first_case)),
    ]


async def test_a_meeting_shows_each_reader_only_the_agenda_cases_they_may_see(
    client: httpx.AsyncClient, as_: Headers, team: Team, make_principal: MakePrincipal
) -> None:
    theirs = await open_case(client, team)
    # A second case of the team that the social worker is not allocated to.
    other_worker = make_principal(teams=(team.id,))
    hidden = case_snapshot(team.id)
    await announce(
        client,
        hidden,
        allocation_snapshot(hidden, other_worker.practitioner_id, is_allocated_social_worker=True),
    )
    meeting = await book(client, as_, team, [theirs, hidden.case_id])
    secret = marker("hidden")
    await add_decision(client, as_, team, meeting, hidden.case_id, secret)

    seen, _ = await read_text(client, as_(team.social_worker))
    assert meeting["id"] in seen
    assert str(hidden.case_id) not in seen
    assert secret not in seen
    for outsider in (team.outsider, team.outsider_manager):
        text, _ = await read_text(client, as_(outsider))
        assert meeting["id"] not in text
        assert str(theirs) not in text
    managed, _ = await read_text(client, as_(team.manager))  # the probe: its manager sees both
    assert secret in managed
    assert str(hidden.case_id) in managed


async def test_deallocation_tombstones_the_case_and_nothing_after_reaches_the_leaver(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    case = case_snapshot(team.id, opened_at=datetime.now(UTC) - timedelta(days=30))
    leaving = allocation_snapshot(
        case, team.specialist.practitioner_id, discipline="substance_misuse"
    )
    lead = allocation_snapshot(case, team.social_worker.practitioner_id)
    await announce(client, case, lead, leaving)
    meeting = await held_meeting(client, as_, team, case.case_id, days_ago=0)
    before = marker("before")
    await add_decision(client, as_, team, meeting, case.case_id, before)
    specialist = as_(team.specialist)
    seen, cursor = await read_text(client, specialist)
    assert before in seen

    ended = leaving.model_copy(update={"ends_at": datetime.now(UTC), "version": 2})
    await announce(client, ended)
    after = marker("after")
    await add_decision(client, as_, team, meeting, case.case_id, after)

    items, _ = await read_all(client, specialist, cursor)
    assert keys(items) == [("case", str(case.case_id), "tombstone")]
    assert items[0]["reason"] == "out_of_sight"
    fresh, _ = await read_text(client, specialist)
    assert after not in fresh
    assert before not in fresh
    kept, _ = await read_text(client, as_(team.social_worker))  # still on the case
    assert after in kept


async def test_the_system_of_record_sees_every_team_s_meetings(
    client: httpx.AsyncClient, as_: Headers, team: Team, make_principal: MakePrincipal
) -> None:
    system = as_(make_principal(discipline="business_support", roles=("system",)))
    _, cursor = await read_all(client, system)
    case_id = await open_case(client, team)
    meeting = await book(client, as_, team, [case_id])
    items, _ = await read_all(client, system, cursor)
    assert meeting["id"] in ids_of(items, "meeting")
    assert str(case_id) in {i["case_id"] for i in items if i["kind"] == "case_record"}


async def test_roles_credentials_and_cursors(
    client: httpx.AsyncClient, as_: Headers, team: Team, make_principal: MakePrincipal
) -> None:
    assert (await client.get("/changes")).status_code == 401
    for role in ("administrator", "dpo"):
        admin = make_principal(discipline="business_support", roles=(role,))
        refused = await client.get("/changes", headers=as_(admin))
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    auditor = make_principal(discipline="business_support", roles=("auditor",), teams=(team.id,))
    assert (await client.get("/changes", headers=as_(auditor))).status_code == 200
    _, cursor = await read_all(client, as_(team.social_worker))
    stolen = await client.get("/changes", params={"cursor": cursor}, headers=as_(team.manager))
    assert stolen.status_code == 410
    garbled = await client.get("/changes", params={"cursor": "x"}, headers=as_(team.manager))
    assert garbled.status_code == 400
    too_many = await client.get("/changes", params={"limit": 1000}, headers=as_(team.manager))
    assert too_many.status_code == 422


async def test_a_case_moved_to_another_team_is_tombstoned_for_the_old_team_s_manager(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    case = case_snapshot(team.id)
    await announce(
        client,
        case,
        allocation_snapshot(
            case, team.social_worker.practitioner_id, is_allocated_social_worker=True
        ),
    )
    await book(client, as_, team, [case.case_id])
    manager = as_(team.manager)
    items, cursor = await read_all(client, manager)
    assert str(case.case_id) in {i.get("case_id") for i in items}

    moved = case.model_copy(update={"owning_team_id": uuid.uuid4(), "version": 2})
    await announce(client, moved)
    items, _ = await read_all(client, manager, cursor)
    assert keys(items) == [("case", str(case.case_id), "tombstone")]
    # Still allocated, the social worker keeps it.
    kept, _ = await read_all(client, as_(team.social_worker))
    assert str(case.case_id) in {i.get("case_id") for i in kept}


async def test_closing_an_action_sends_the_records_carrying_it_again(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    case_id = await open_case(client, team, opened_at=datetime.now(UTC) - timedelta(days=90))
    chair = as_(team.manager)
    first = await held_meeting(client, as_, team, case_id, days_ago=28)
    first_url = f"/meetings/{first['id']}/cases/{case_id}/record"
    action = await client.post(
        f"{first_url}/actions",
        json={
            "description": "Refer father to the recovery service.",
            "owner_id": str(team.social_worker.practitioner_id),
            "due_on": (datetime.now(UTC) + timedelta(days=5)).date().isoformat(),
        },
        headers=chair,
    )
    assert action.status_code in (200, 201), action.text
    later = await book(client, as_, team, [case_id])
    sw = as_(team.social_worker)
    items, cursor = await read_all(client, sw)
    drafts = {i["record"]["meeting_id"]: i["record"] for i in items if i["kind"] == "case_record"}
    carried = drafts[later["id"]]["carried_forward"]
    assert [a["description"] for a in carried] == ["Refer father to the recovery service."]

    closed = await client.post(
        f"/cases/{case_id}/actions/{carried[0]['id']}/close", json={"outcome": "done"}, headers=sw
    )
    assert closed.status_code == 200, closed.text
    items, _ = await read_all(client, sw, cursor)
    resent = {i["record"]["meeting_id"]: i["record"] for i in items}
    assert set(resent) == {first["id"], later["id"]}
    assert resent[later["id"]]["carried_forward"] == []
    assert resent[first["id"]]["actions"][0]["status"] == "done"
