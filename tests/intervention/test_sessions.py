"""Programme sessions: logged once however often sent, summaries to the chronology, restricted
detail only to those the workbook's rule admits, attendance and progress from them."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from services.principal import Principal
from services.working_days import local_date
from tests.intervention.conftest import Headers, MakePrincipal
from tests.intervention.world import SPECIALIST, CaseWorld, case_world, enrol, outbox
from tests.projection.factories import allocation_snapshot, announce

CHRONOLOGY = "uk.gov.fsm.intervention.chronology.recorded"


def today() -> str:
    return local_date(datetime.now(UTC)).isoformat()


def session_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "held_on": today(),
        "attendance": "attended",
        "engagement": 4,
        "modules": ["module_2"],
        "tools": ["tool_2_a"],
        "summary": "Talked through the week and the decisional balance.",
    }
    body.update(changes)
    return body


async def _log(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    url: str,
    body: dict[str, Any],
    status: int = 201,
) -> dict[str, Any]:
    response = await client.post(url, json=body, headers=headers)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


async def _setup(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> tuple[CaseWorld, str]:
    """A case with an enrolment; the URL of its sessions."""
    world = await case_world(client, as_, make_principal)
    enrolment = await enrol(client, as_, world)
    return world, f"/cases/{world.case_id}/enrolments/{enrolment['id']}/sessions"


async def test_a_session_sent_again_with_its_idempotency_key_is_recorded_once(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal, db_engine: AsyncEngine
) -> None:
    world, url = await _setup(client, as_, make_principal)
    headers = {**as_(world.specialist), "Idempotency-Key": f"offline-{uuid.uuid4()}"}
    first = await client.post(url, json=session_body(), headers=headers)
    again = await client.post(url, json=session_body(), headers=headers)

    assert first.status_code == 201, first.text
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    listed = await client.get(url, headers=as_(world.social_worker))
    assert [item["id"] for item in listed.json()["items"]] == [first.json()["id"]]
    logged = [t for t, _ in await outbox(db_engine, world.case_id) if t.endswith("logged")]
    assert logged == ["uk.gov.fsm.intervention.session.logged"]


async def test_the_summary_goes_to_the_chronology_and_the_restricted_detail_never_leaves(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal, db_engine: AsyncEngine
) -> None:
    world, url = await _setup(client, as_, make_principal)
    other_discipline = make_principal(discipline="mental_health_worker", teams=(world.team,))
    await announce(
        client,
        allocation_snapshot(
            world.case, other_discipline.practitioner_id, discipline="mental_health_worker"
        ),
    )
    # Allocated as a specialist by mistake: the directory says social worker.
    mis_recorded = make_principal(teams=(world.team,))
    await announce(
        client,
        allocation_snapshot(world.case, mis_recorded.practitioner_id, discipline=SPECIALIST),
    )
    secret = f"Disclosed relapse {uuid.uuid4().hex}"
    made = await _log(client, as_(world.specialist), url, session_body(restricted_detail=secret))

    readers: dict[str, tuple[Principal, bool]] = {
        "author": (world.specialist, True),
        "same discipline, allocated": (world.specialist_colleague, True),
        "allocated social worker": (world.social_worker, True),
        "team manager": (world.manager, True),
        "another discipline": (other_discipline, False),
        "allocated in a discipline not theirs": (mis_recorded, False),
        "auditor": (world.auditor, False),
    }
    for who, (principal, sees) in readers.items():
        one = await client.get(f"{url}/{made['id']}", headers=as_(principal))
        assert one.status_code == 200, (who, one.text)
        assert (one.json()["restricted_detail"] == secret) is sees, who
        assert one.json()["detail_withheld"] is not sees, who
        listed = await client.get(url, headers=as_(principal))
        assert (secret in listed.text) is sees, who
    for stranger in (world.colleague, world.outsider):
        assert (await client.get(f"{url}/{made['id']}", headers=as_(stranger))).status_code == 404
        assert (await client.get(url, headers=as_(stranger))).status_code == 404

    events = await outbox(db_engine, world.case_id)
    assert secret not in json.dumps([data for _, data in events])
    chronology = [data for t, data in events if t == CHRONOLOGY]
    assert chronology[-1]["title"] == "Programme session (attended): Module 2"
    assert chronology[-1]["summary"] == session_body()["summary"]
    assert chronology[-1]["occurred_at"].startswith(today())


async def test_sessions_move_modules_along_and_count_attendance(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    world, url = await _setup(client, as_, make_principal)
    headers = as_(world.social_worker)
    held = await _log(client, headers, url, session_body(modules=["module_1"], tools=[]))
    await _log(
        client,
        headers,
        url,
        session_body(attendance="did_not_attend", engagement=None, modules=["module_3"]),
    )
    await _log(client, headers, url, session_body(attendance="cancelled", engagement=None))

    view = (await client.get(url.removesuffix("/sessions"), headers=as_(world.manager))).json()
    statuses = {m["module_code"]: m["status"] for m in view["modules"]}
    # Only a session that took place starts a module.
    assert statuses == {
        "module_1": "in_progress",
        "module_2": "not_started",
        "module_3": "not_started",
    }
    assert (view["sessions_attended"], view["sessions_missed"], view["sessions_cancelled"]) == (
        1,
        1,
        1,
    )
    # Cancelled sessions are nobody's non-attendance: one attended of two due.
    assert view["attendance_rate"] == 0.5
    assert view["modules"][0]["sessions_attended"] == 1
    # The session's start of module 1 is in the progress history, naming it and its author.
    history = await client.get(
        url.removesuffix("/sessions") + "/progress-history", headers=as_(world.manager)
    )
    [change] = history.json()["items"]
    assert (change["module_code"], change["from_status"], change["to_status"]) == (
        "module_1",
        "not_started",
        "in_progress",
    )
    assert (change["session_id"], change["changed_by"]) == (
        held["id"],
        str(world.social_worker.practitioner_id),
    )


async def test_what_a_session_must_say_and_who_may_log_it(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    world, url = await _setup(client, as_, make_principal)
    headers = as_(world.social_worker)
    tomorrow = (local_date(datetime.now(UTC)) + timedelta(days=1)).isoformat()
    refusals = {
        "engagement left out": session_body(engagement=None),
        "engagement for a missed session": session_body(attendance="did_not_attend"),
        "held tomorrow": session_body(held_on=tomorrow),
        "a module not planned": session_body(modules=["module_9"]),
        "a tool not in the programme": session_body(tools=["hammer"]),
        "a worker not allocated": session_body(worker_id=str(world.colleague.practitioner_id)),
    }
    for why, body in refusals.items():
        response = await client.post(url, json=body, headers=headers)
        assert response.status_code == 422, why
        assert response.headers["content-type"] == "application/problem+json", why

    assert (await client.post(url, json=session_body())).status_code == 401
    auditor = await client.post(url, json=session_body(), headers=as_(world.auditor))
    assert auditor.status_code == 403
    outsider = await client.post(url, json=session_body(), headers=as_(world.outsider))
    assert outsider.status_code == 404
    missing = f"/cases/{world.case_id}/enrolments/{uuid.uuid4()}/sessions"
    assert (await client.post(missing, json=session_body(), headers=headers)).status_code == 404
    assert (await client.get(f"{url}/{uuid.uuid4()}", headers=headers)).status_code == 404


async def test_a_session_logged_in_error_is_withdrawn_kept_and_counted_nowhere(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal, db_engine: AsyncEngine
) -> None:
    world, url = await _setup(client, as_, make_principal)
    mine = await _log(client, as_(world.social_worker), url, session_body(modules=["module_1"]))
    theirs = await _log(client, as_(world.specialist), url, session_body())
    reason = {"reason": "Logged on the wrong family."}

    colleague = await client.post(
        f"{url}/{mine['id']}/withdraw", json=reason, headers=as_(world.specialist)
    )
    assert colleague.status_code == 403
    withdrawn = await client.post(
        f"{url}/{mine['id']}/withdraw", json=reason, headers=as_(world.social_worker)
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawal_reason"] == "Logged on the wrong family."
    assert withdrawn.json()["withdrawn_by"] == str(world.social_worker.practitioner_id)
    again = await client.post(
        f"{url}/{mine['id']}/withdraw", json=reason, headers=as_(world.social_worker)
    )
    assert again.status_code == 409
    by_manager = await client.post(
        f"{url}/{theirs['id']}/withdraw", json=reason, headers=as_(world.manager)
    )
    assert by_manager.status_code == 200, by_manager.text

    listed = (await client.get(url, headers=as_(world.social_worker))).json()["items"]
    assert {item["id"] for item in listed} == {mine["id"], theirs["id"]}
    view = (await client.get(url.removesuffix("/sessions"), headers=as_(world.manager))).json()
    assert (view["sessions_attended"], view["attendance_rate"]) == (0, None)
    assert view["modules"][0]["sessions_attended"] == 0
    coding = await client.post(
        f"{url}/{mine['id']}/codings",
        json={
            "cultivating_change_talk": 3,
            "softening_sustain_talk": 3,
            "partnership": 3,
            "empathy": 3,
            **{
                name: 0
                for name in (
                    "giving_information",
                    "persuade",
                    "persuade_with_permission",
                    "question",
                    "simple_reflection",
                    "complex_reflection",
                    "affirm",
                    "seeking_collaboration",
                    "emphasizing_autonomy",
                    "confront",
                )
            },
        },
        headers=as_(world.social_worker),
    )
    assert coding.status_code == 409
    titles = [d.get("title") for t, d in await outbox(db_engine, world.case_id) if t == CHRONOLOGY]
    assert f"Programme session of {today()} withdrawn (entered in error)" in titles
