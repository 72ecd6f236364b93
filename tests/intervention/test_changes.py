"""The programme's change feed: ordered, resumable, as the caller may see it, with tombstones;
restricted detail only where the API shows it, and assessments only to their readers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.intervention.conftest import AssessmentWorld, Headers, MakePrincipal
from tests.intervention.helpers import start
from tests.intervention.test_practice_quality import WORKER_CODING
from tests.intervention.test_sessions import session_body
from tests.intervention.world import SPECIALIST, CaseWorld, case_world, enrol
from tests.projection.factories import allocation_snapshot, announce
from tests.support.change_feed import ids_of, keys, read_all, read_text


def marker(label: str) -> str:
    return f"progfeed{label}{uuid.uuid4().hex[:10]}"


async def log_session(
    client: httpx.AsyncClient,
    as_: Headers,
    world: CaseWorld,
    enrolment: dict[str, Any],
    **body: Any,
) -> dict[str, Any]:
    url = f"/cases/{world.case_id}/enrolments/{enrolment['id']}/sessions"
    response = await client.post(url, json=session_body(**body), headers=as_(world.specialist))
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def sessions_in(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i["session"] for i in items if i["kind"] == "programme_session"}


async def test_first_read_has_the_programme_then_only_what_changed(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    world = await case_world(client, as_, make_principal)
    enrolment = await enrol(client, as_, world)
    logged = await log_session(client, as_, world, enrolment)
    sw = as_(world.social_worker)

    items, cursor = await read_all(client, sw)
    assert enrolment["id"] in ids_of(items, "enrolment")
    mine = [i for i in items if i["id"] == enrolment["id"]][-1]["enrolment"]
    assert [m["module_code"] for m in mine["modules"]] == ["module_1", "module_2", "module_3"]
    assert logged["id"] in sessions_in(items)

    url = f"/cases/{world.case_id}/enrolments/{enrolment['id']}/sessions/{logged['id']}/codings"
    coded = await client.post(url, json=WORKER_CODING, headers=sw)
    assert coded.status_code == 201, coded.text
    later, after = await read_all(client, sw, cursor)
    assert keys(later) == [("programme_session", logged["id"], "upsert")]
    # Coded by someone other than its worker: an observer's coding.
    assert [c["coder_role"] for c in later[0]["session"]["codings"]] == ["observer"]
    again, _ = await read_all(client, sw, cursor)  # the same cursor: the same page
    assert again == later
    quiet, _ = await read_all(client, sw, after)
    assert quiet == []


async def test_pages_come_in_commit_order_resumable_in_small_pages(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    world = await case_world(client, as_, make_principal)
    enrolment = await enrol(client, as_, world)
    manager = as_(world.manager)
    _, cursor = await read_all(client, manager)
    made = [await log_session(client, as_, world, enrolment) for _ in range(3)]
    items, _ = await read_all(client, manager, cursor)
    assert ids_of(items, "programme_session") == [m["id"] for m in made]
    # Each session sends its enrolment again, counting it.
    counted = [i["enrolment"] for i in items if i["kind"] == "enrolment"]
    assert [e["id"] for e in counted] == [enrolment["id"]]
    assert counted[0]["sessions_attended"] == 3
    paged, _ = await read_all(client, manager, cursor, limit=1)
    assert ids_of(paged, "programme_session") == [m["id"] for m in made]


async def test_restricted_detail_reaches_only_those_the_api_shows_it_to(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    world = await case_world(client, as_, make_principal)
    enrolment = await enrol(client, as_, world)
    secret = marker("detail")
    logged = await log_session(client, as_, world, enrolment, restricted_detail=secret)
    system = make_principal(discipline="business_support", roles=("system",))

    readers = {
        "author": (world.specialist, True),
        "allocated social worker": (world.social_worker, True),
        "team manager": (world.manager, True),
        "auditor": (world.auditor, False),
        "system of record": (system, False),
    }
    for who, (principal, sees) in readers.items():
        text, _ = await read_text(client, as_(principal))
        assert logged["id"] in text, who
        assert (secret in text) is sees, who
    for stranger in (world.colleague, world.outsider):
        text, _ = await read_text(client, as_(stranger))
        assert str(world.case_id) not in text
        assert logged["id"] not in text


async def test_deallocation_tombstones_the_case_and_nothing_after_reaches_the_leaver(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    world = await case_world(client, as_, make_principal)
    leaver = make_principal(discipline=SPECIALIST, teams=(world.team,))
    leaving = allocation_snapshot(world.case, leaver.practitioner_id, discipline=SPECIALIST)
    await announce(client, leaving)
    enrolment = await enrol(client, as_, world)
    before = marker("before")
    await log_session(client, as_, world, enrolment, summary=before)
    seen, cursor = await read_text(client, as_(leaver))
    assert before in seen

    await announce(client, leaving.model_copy(update={"ends_at": datetime.now(UTC), "version": 2}))
    after = marker("after")
    await log_session(client, as_, world, enrolment, summary=after)

    items, _ = await read_all(client, as_(leaver), cursor)
    assert keys(items) == [("case", str(world.case_id), "tombstone")]
    assert items[0]["reason"] == "out_of_sight"
    fresh, _ = await read_text(client, as_(leaver))
    assert before not in fresh
    assert after not in fresh
    kept, _ = await read_text(client, as_(world.specialist_colleague))  # still on the case
    assert after in kept


async def test_assessments_reach_their_readers_and_not_the_system_of_record(
    world: AssessmentWorld, make_principal: MakePrincipal
) -> None:
    client, as_ = world.intervention, world.as_
    system = as_(make_principal(discipline="business_support", roles=("system",)))
    _, system_cursor = await read_all(client, system)
    made = await start(world)
    items, _ = await read_all(client, as_(world.case.social_worker))
    assert made["id"] in ids_of(items, "parenting_assessment")
    version = [i for i in items if i["id"] == made["id"]][-1]["assessment"]
    assert version["status"] == "draft"
    assert version["sections"]
    seen, _ = await read_text(client, system, system_cursor)
    assert made["id"] not in seen


async def test_roles_credentials_and_cursors(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    assert (await client.get("/changes")).status_code == 401
    for role in ("administrator", "dpo"):
        refused = await client.get(
            "/changes", headers=as_(make_principal(discipline="business_support", roles=(role,)))
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    world = await case_world(client, as_, make_principal)
    assert (await client.get("/changes", headers=as_(world.auditor))).status_code == 200
    _, cursor = await read_all(client, as_(world.social_worker))
    stolen = await client.get("/changes", params={"cursor": cursor}, headers=as_(world.manager))
    assert stolen.status_code == 410
    garbled = await client.get("/changes", params={"cursor": "x"}, headers=as_(world.manager))
    assert garbled.status_code == 400
