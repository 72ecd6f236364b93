"""Enrolment on a programme with a plan, progress per module, the family and caseload views."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from intervention_api.enrolments.models import PlannedModule
from services.event_contracts import PractitionerSnapshot
from services.working_days import ENGLAND, local_date
from tests.intervention.catalogue import load, programme
from tests.intervention.conftest import Headers, MakePrincipal
from tests.intervention.world import case_world, enrol, enrolment_body, outbox
from tests.projection.factories import announce

CHRONOLOGY = "uk.gov.fsm.intervention.chronology.recorded"


async def test_a_worker_enrols_a_parent_with_a_plan_the_team_can_follow(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_, make_principal)
    worker = world.social_worker
    await announce(
        client,
        PractitionerSnapshot(
            practitioner_id=worker.practitioner_id,
            display_name=worker.display_name,
            discipline=worker.discipline,
            roles=sorted(worker.roles),
            active=True,
            version=1,
        ),
    )
    before = datetime.now(UTC)
    response = await client.post(
        f"/cases/{world.case_id}/enrolments",
        json=enrolment_body(world),
        headers=as_(world.social_worker),
    )

    assert response.status_code == 201, response.text
    enrolment = response.json()
    assert response.headers["Location"] == f"/cases/{world.case_id}/enrolments/{enrolment['id']}"
    assert response.headers["ETag"]
    assert enrolment["programme_version"] == 1
    assert [m["module_code"] for m in enrolment["modules"]] == ["module_1", "module_2", "module_3"]
    assert [m["position"] for m in enrolment["modules"]] == [1, 2, 3]
    workers = [m["worker_id"] for m in enrolment["modules"]]
    sw, sp = str(world.social_worker.practitioner_id), str(world.specialist.practitioner_id)
    assert workers == [sw, sp, sw]
    assert enrolment["modules"][0]["due_on"] in {
        ENGLAND.deadline(before, 10).isoformat(),
        ENGLAND.deadline(datetime.now(UTC), 10).isoformat(),
    }
    assert {m["status"] for m in enrolment["modules"]} == {"not_started"}
    # Names as the directory announced them; the specialist has not been announced here.
    assert enrolment["lead_worker_name"] == worker.display_name
    assert [m["worker_name"] for m in enrolment["modules"]] == [
        worker.display_name,
        None,
        worker.display_name,
    ]

    family = await client.get(f"/cases/{world.case_id}/enrolments", headers=as_(world.manager))
    assert family.status_code == 200
    assert [e["id"] for e in family.json()["enrolments"]] == [enrolment["id"]]
    assert family.json()["attendance_rate"] is None

    events = await outbox(db_engine, world.case_id)
    assert [t for t, _ in events] == ["uk.gov.fsm.intervention.enrolment.created", CHRONOLOGY]
    assert events[1][1]["title"] == "Enrolled on Test programme (version 1)"
    assert events[1][1]["case_id"] == str(world.case_id)


async def test_a_case_keeps_the_programme_version_it_started_on(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    world = await case_world(client, as_, make_principal)
    enrolment = await enrol(client, as_, world)
    renamed = programme(world.programme["code"], modules=2)
    renamed["modules"][0]["title"] = "Module 1, as renamed in version 2"
    assert (await load(client, as_(world.admin), renamed)).status_code == 201

    again = await client.get(
        f"/cases/{world.case_id}/enrolments/{enrolment['id']}", headers=as_(world.social_worker)
    )
    assert again.status_code == 200
    assert again.json()["programme_version"] == 1
    assert again.json()["programme_id"] == world.programme["id"]
    assert [m["title"] for m in again.json()["modules"]] == ["Module 1", "Module 2", "Module 3"]


async def test_who_may_enrol_read_and_what_a_plan_must_name(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    world = await case_world(client, as_, make_principal)
    url = f"/cases/{world.case_id}/enrolments"
    body = enrolment_body(world)

    assert (await client.post(url, json=body)).status_code == 401
    assert (await client.post(url, json=body, headers=as_(world.auditor))).status_code == 403
    assert (await client.post(url, json=body, headers=as_(world.admin))).status_code == 403
    for stranger in (world.colleague, world.outsider):
        assert (await client.post(url, json=body, headers=as_(stranger))).status_code == 404
        assert (await client.get(url, headers=as_(stranger))).status_code == 404
    assert (await client.get(url, headers=as_(world.auditor))).status_code == 200

    unknown_module = enrolment_body(world, plan=[{"module_code": "module_9"}])
    refused = await client.post(url, json=unknown_module, headers=as_(world.manager))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "unknown_module"
    not_allocated = enrolment_body(world, lead_worker_id=str(world.colleague.practitioner_id))
    refused = await client.post(url, json=not_allocated, headers=as_(world.manager))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["location"] == ["body", "lead_worker_id"]
    family_with_person = enrolment_body(world, person_id=str(uuid.uuid4()))
    refused = await client.post(url, json=family_with_person, headers=as_(world.manager))
    assert refused.status_code == 422
    # The workbook has no such member of the case's family (nor this family at all).
    unknown_parent = enrolment_body(world, participant="parent", person_id=str(uuid.uuid4()))
    refused = await client.post(url, json=unknown_parent, headers=as_(world.manager))
    assert refused.status_code == 422
    assert [(e["location"], e["code"]) for e in refused.json()["errors"]] == [
        (["body", "person_id"], "unknown_person")
    ]

    made = await client.post(url, json=body, headers=as_(world.manager))
    assert made.status_code == 201, made.text
    twice = await client.post(url, json=body, headers=as_(world.manager))
    assert twice.status_code == 409

    closed = world.case.model_copy(
        update={"status": "closed", "closed_at": datetime.now(UTC), "version": 2}
    )
    await announce(client, closed)
    other = enrolment_body(world)
    assert (await client.post(url, json=other, headers=as_(world.manager))).status_code == 409


async def test_progress_per_module_with_reasons_and_completion_on_the_chronology(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_, make_principal)
    enrolment = await enrol(client, as_, world)
    url = f"/cases/{world.case_id}/enrolments/{enrolment['id']}/progress"
    headers = as_(world.specialist)

    without = await client.post(
        url, json={"module_code": "module_2", "status": "completed"}, headers=headers
    )
    assert without.status_code == 428
    stale = await client.post(
        url,
        json={"module_code": "module_2", "status": "completed"},
        headers={**headers, "If-Match": f'"{uuid.uuid4().hex}.1"'},
    )
    assert stale.status_code == 412
    etag = (await client.get(url.removesuffix("/progress"), headers=headers)).headers["ETag"]
    no_reason = await client.post(
        url,
        json={"module_code": "module_3", "status": "not_applicable"},
        headers={**headers, "If-Match": etag},
    )
    assert no_reason.status_code == 422
    not_applicable = await client.post(
        url,
        json={"module_code": "module_3", "status": "not_applicable", "reason": "No drug use."},
        headers={**headers, "If-Match": etag},
    )
    assert not_applicable.status_code == 200, not_applicable.text
    completed = await client.post(
        url,
        json={"module_code": "module_2", "status": "completed"},
        headers={**headers, "If-Match": not_applicable.headers["ETag"]},
    )
    assert completed.status_code == 200, completed.text
    modules = {m["module_code"]: m for m in completed.json()["modules"]}
    assert modules["module_3"]["status"] == "not_applicable"
    assert modules["module_3"]["status_reason"] == "No drug use."
    assert modules["module_2"]["status"] == "completed"
    assert modules["module_2"]["completed_at"] is not None
    assert completed.json()["modules_done"] == 2
    reopened = {"module_code": "module_2", "status": "in_progress"}
    etag = completed.headers["ETag"]
    without_reason = await client.post(url, json=reopened, headers={**headers, "If-Match": etag})
    assert without_reason.status_code == 409
    assert without_reason.json()["type"].endswith("/reason-required")
    with_reason = await client.post(
        url,
        json={**reopened, "reason": "Marked complete by mistake."},
        headers={**headers, "If-Match": etag},
    )
    assert with_reason.status_code == 200, with_reason.text
    modules = {m["module_code"]: m for m in with_reason.json()["modules"]}
    assert (modules["module_2"]["status"], modules["module_2"]["completed_at"]) == (
        "in_progress",
        None,
    )

    auditor = await client.post(
        url,
        json={"module_code": "module_1", "status": "in_progress"},
        headers={**as_(world.auditor), "If-Match": "*"},
    )
    assert auditor.status_code == 403
    # Every change is kept, with who made it, from what, to what and why.
    history_url = url.removesuffix("/progress") + "/progress-history"
    history = await client.get(history_url, headers=as_(world.auditor))
    assert history.status_code == 200, history.text
    changes = history.json()["items"]
    assert [(c["module_code"], c["from_status"], c["to_status"], c["reason"]) for c in changes] == [
        ("module_3", "not_started", "not_applicable", "No drug use."),
        ("module_2", "not_started", "completed", None),
        ("module_2", "completed", "in_progress", "Marked complete by mistake."),
    ]
    assert {c["changed_by"] for c in changes} == {str(world.specialist.practitioner_id)}
    assert all(c["session_id"] is None for c in changes)
    assert (await client.get(history_url)).status_code == 401
    assert (await client.get(history_url, headers=as_(world.outsider))).status_code == 404
    assert (await client.get(history_url, headers=as_(world.colleague))).status_code == 404
    events = await outbox(db_engine, world.case_id)
    completions = [d for t, d in events if t == "uk.gov.fsm.intervention.module.completed"]
    assert [d["module_code"] for d in completions] == ["module_2"]
    titles = [d["title"] for t, d in events if t == CHRONOLOGY]
    assert "Programme module completed: Module 2" in titles


async def test_overdue_modules_and_the_caseload_of_a_team(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_, make_principal)
    enrolment = await enrol(client, as_, world)
    # Nothing is overdue on the day of enrolment.
    assert enrolment["modules_overdue"] == 0
    today = local_date(datetime.now(UTC))
    assert enrolment["modules"][0]["due_on"] > today.isoformat()
    # Time passes: the first module's due day is behind us, and it is not done.
    async with db_engine.begin() as connection:
        await connection.execute(
            update(PlannedModule)
            .where(
                PlannedModule.enrolment_id == uuid.UUID(enrolment["id"]),
                PlannedModule.module_code == "module_1",
            )
            .values(due_on=today - timedelta(days=1))
        )
    url = f"/cases/{world.case_id}/enrolments"
    family = (await client.get(url, headers=as_(world.social_worker))).json()
    assert family["modules_overdue"] == 1
    assert [m["overdue"] for m in family["enrolments"][0]["modules"]] == [True, False, False]

    caseload = await client.get(
        "/caseload", params={"team_id": str(world.team)}, headers=as_(world.manager)
    )
    assert caseload.status_code == 200
    items = caseload.json()["items"]
    assert [item["enrolment_id"] for item in items] == [enrolment["id"]]
    assert items[0]["current_module"] == "Module 1"
    assert items[0]["modules_planned"] == 3
    assert items[0]["modules_overdue"] == 1
    outsider = await client.get(
        "/caseload", params={"team_id": str(world.team)}, headers=as_(world.outsider)
    )
    assert outsider.json() == {"items": [], "next_cursor": None}
    mine = await client.get("/caseload", headers=as_(world.specialist))
    assert enrolment["id"] in [item["enrolment_id"] for item in mine.json()["items"]]


async def test_the_caseload_comes_a_page_at_a_time_in_enrolment_order(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    world = await case_world(client, as_, make_principal)
    other = await load(client, as_(world.admin), programme())
    enrolled = [
        (await enrol(client, as_, world))["id"],
        (await enrol(client, as_, world, programme_id=other.json()["id"]))["id"],
    ]
    walked: list[str] = []
    cursor: str | None = None
    while True:
        params = {
            "team_id": str(world.team),
            "limit": "1",
            **({"cursor": cursor} if cursor else {}),
        }
        response = await client.get("/caseload", params=params, headers=as_(world.manager))
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 1
        walked += [item["enrolment_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == enrolled
    bad = await client.get("/caseload", params={"cursor": "nonsense"}, headers=as_(world.manager))
    assert bad.status_code == 400
    assert (await client.get("/caseload")).status_code == 401


async def test_a_plan_changes_order_workers_and_modules_and_keeps_the_work_done(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    world = await case_world(client, as_, make_principal)
    enrolment = await enrol(
        client,
        as_,
        world,
        plan=[{"module_code": "module_1"}, {"module_code": "module_2"}],
    )
    base = f"/cases/{world.case_id}/enrolments/{enrolment['id']}"
    headers = as_(world.social_worker)
    logged = await client.post(
        f"{base}/sessions",
        json={
            "held_on": local_date(datetime.now(UTC)).isoformat(),
            "attendance": "attended",
            "engagement": 3,
            "modules": ["module_1"],
            "summary": "First module begun.",
        },
        headers=headers,
    )
    assert logged.status_code == 201, logged.text
    etag = (await client.get(base, headers=headers)).headers["ETag"]
    specialist = str(world.specialist.practitioner_id)
    new_plan = {
        "plan": [
            {"module_code": "module_3", "due_within_working_days": 5},
            {"module_code": "module_1", "worker_id": specialist},
        ]
    }

    assert (await client.post(f"{base}/plan", json=new_plan, headers=headers)).status_code == 428
    changed = await client.post(
        f"{base}/plan", json=new_plan, headers={**headers, "If-Match": etag}
    )

    assert changed.status_code == 200, changed.text
    modules = changed.json()["modules"]
    assert [(m["module_code"], m["position"]) for m in modules] == [
        ("module_3", 1),
        ("module_1", 2),
    ]
    assert (
        modules[0]["due_on"]
        == ENGLAND.deadline(datetime.fromisoformat(enrolment["enrolled_at"]), 5).isoformat()
    )
    assert (modules[1]["worker_id"], modules[1]["status"]) == (specialist, "in_progress")
    assert modules[1]["sessions_attended"] == 1

    etag = changed.headers["ETag"]
    dropping_work = {"plan": [{"module_code": "module_3"}]}
    refused = await client.post(
        f"{base}/plan", json=dropping_work, headers={**headers, "If-Match": etag}
    )
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/module-has-progress")
    unknown = {"plan": [{"module_code": "module_1"}, {"module_code": "module_9"}]}
    assert (
        await client.post(f"{base}/plan", json=unknown, headers={**headers, "If-Match": etag})
    ).status_code == 422
    stranger = await client.post(
        f"{base}/plan", json=new_plan, headers={**as_(world.outsider), "If-Match": etag}
    )
    assert stranger.status_code == 404
    auditor = await client.post(
        f"{base}/plan", json=new_plan, headers={**as_(world.auditor), "If-Match": etag}
    )
    assert auditor.status_code == 403


async def test_an_ended_enrolment_is_kept_read_only_and_the_family_may_enrol_again(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    world = await case_world(client, as_, make_principal)
    body = enrolment_body(world)
    first = await enrol(client, as_, world)
    base = f"/cases/{world.case_id}/enrolments/{first['id']}"
    headers = as_(world.manager)
    etag = (await client.get(base, headers=headers)).headers["ETag"]

    ended = await client.post(
        f"{base}/end",
        json={"reason": "Moved out of the area."},
        headers={**headers, "If-Match": etag},
    )

    assert ended.status_code == 200, ended.text
    assert (ended.json()["status"], ended.json()["end_reason"]) == (
        "ended",
        "Moved out of the area.",
    )
    again = await client.post(
        f"{base}/end", json={"reason": "Twice."}, headers={**headers, "If-Match": "*"}
    )
    assert again.status_code == 409
    session = await client.post(
        f"{base}/sessions",
        json={
            "held_on": local_date(datetime.now(UTC)).isoformat(),
            "attendance": "cancelled",
            "summary": "Cancelled.",
        },
        headers=headers,
    )
    assert session.status_code == 409
    re_enrolled = await client.post(
        f"/cases/{world.case_id}/enrolments", json=body, headers=headers
    )
    assert re_enrolled.status_code == 201, re_enrolled.text
    family = (await client.get(f"/cases/{world.case_id}/enrolments", headers=headers)).json()
    assert [e["status"] for e in family["enrolments"]] == ["ended", "active"]
