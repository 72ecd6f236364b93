"""Subject access requests: who may touch them, their deadlines, and what each step refuses."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta

import httpx
import pytest
from pydantic import AnyHttpUrl

from services.principal import Principal
from tests.subject_access.helpers import DPO, export, register, wait_for
from tests.subject_access.world import record_the_family, sar_world
from tests.workbook.conftest import Headers
from tests.workbook.factories import manager_of, principal

PROBLEM = "application/problem+json"


async def test_nobody_but_the_dpo_reaches_subject_access(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await sar_world(client, as_)
    sar = await register(client, as_(DPO), world.member("Dana"))
    auditor = principal(roles=("auditor",), teams=(world.team_id,))
    administrator = principal(roles=("administrator",))
    others = [world.social_worker, world.manager, auditor, administrator]
    routes = [
        ("GET", "/subject-access/requests", None),
        ("POST", "/subject-access/requests", {"person_id": world.member("Dana")}),
        ("GET", f"/subject-access/requests/{sar['id']}", None),
        ("POST", f"/subject-access/requests/{sar['id']}/exports", None),
        ("GET", f"/subject-access/exports/{uuid.uuid4()}/items", None),
    ]
    for method, path, body in routes:
        anonymous = await client.request(method, path, json=body)
        assert anonymous.status_code == 401, (path, anonymous.text)
        for who in others:
            refused = await client.request(method, path, json=body, headers=as_(who))
            assert refused.status_code == 403, (path, who.roles, refused.text)
            assert refused.headers["content-type"] == PROBLEM
    for path in (
        f"/subject-access/requests/{uuid.uuid4()}",
        f"/subject-access/exports/{uuid.uuid4()}",
        f"/subject-access/exports/{uuid.uuid4()}/bundle.pdf",
        f"/subject-access/requests/{uuid.uuid4()}/disclosures",
    ):
        missing = await client.get(path, headers=as_(DPO))
        assert missing.status_code == 404, (path, missing.text)
        assert missing.headers["content-type"] == PROBLEM


async def test_the_deadline_is_a_calendar_month_extendable_once_by_up_to_two(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await sar_world(client, as_)
    dpo = as_(DPO)
    sar = await register(client, dpo, world.member("Lee"), received_on="2026-01-31")
    assert sar["due_on"] == "2026-02-28"
    path = f"/subject-access/requests/{sar['id']}/extension"
    too_long = await client.post(path, json={"months": 3, "reason": "Complex."}, headers=dpo)
    assert too_long.status_code == 422
    extended = await client.post(
        path, json={"months": 2, "reason": "Numerous records across three units."}, headers=dpo
    )
    assert extended.status_code == 200, extended.text
    assert extended.json()["extended_due_on"] == "2026-04-28"
    again = await client.post(path, json={"months": 1, "reason": "More."}, headers=dpo)
    assert again.status_code == 409


async def test_open_requests_list_says_which_are_overdue(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await sar_world(client, as_)
    dpo = as_(DPO)
    late = await register(
        client,
        dpo,
        world.member("Dana"),
        received_on=(date.today() - timedelta(days=70)).isoformat(),
    )
    fresh = await register(client, dpo, world.member("Lee"), received_on=date.today().isoformat())
    overdue = await client.get(
        "/subject-access/requests", params={"overdue": "true", "limit": 200}, headers=dpo
    )
    ids = {item["id"]: item for item in overdue.json()["items"]}
    assert late["id"] in ids
    assert ids[late["id"]]["overdue"] is True
    assert fresh["id"] not in ids
    listed = await client.get("/subject-access/requests", params={"limit": 200}, headers=dpo)
    assert {fresh["id"], late["id"]} <= {item["id"] for item in listed.json()["items"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"received_on": (date.today() + timedelta(days=2)).isoformat()}, "received_on"),
        ({"requester_relationship": "neighbour"}, "requester_relationship"),
    ],
)
async def test_a_request_must_name_someone_on_the_record_and_a_past_day(
    client: httpx.AsyncClient, as_: Headers, change: dict[str, str], field: str
) -> None:
    world = await sar_world(client, as_)
    body = {
        "person_id": world.member("Dana"),
        "requester_name": "Dana Whitfield",
        "requester_relationship": "self",
        "received_on": date.today().isoformat(),
    } | change
    refused = await client.post("/subject-access/requests", json=body, headers=as_(DPO))
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["errors"][0]["location"][-1] == field


async def test_a_request_about_nobody_on_the_record_is_a_404(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    body = {
        "person_id": str(uuid.uuid4()),
        "requester_name": "Someone",
        "requester_relationship": "self",
        "received_on": date.today().isoformat(),
    }
    missing = await client.post("/subject-access/requests", json=body, headers=as_(DPO))
    assert missing.status_code == 404, missing.text
    assert missing.headers["content-type"] == PROBLEM


async def test_a_reviewer_adds_marks_within_a_record_and_a_bundled_export_is_frozen(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await sar_world(client, as_)
    await record_the_family(client, as_, world)
    dpo = as_(DPO)
    sar = await register(client, dpo, world.member("Dana"))
    ready = await export(client, dpo, sar["id"])
    base = f"/subject-access/exports/{ready['id']}"
    items = (await client.get(f"{base}/items", params={"limit": 200}, headers=dpo)).json()
    visit = next(i for i in items["items"] if i["kind"] == "home_visit")
    note = visit["sections"][0]["text"]
    start = note.index("Friday")
    body = {"item_id": visit["id"], "section": 0, "start": start, "end": start + 6}
    added = await client.post(
        f"{base}/redactions", json=body | {"note": "Identifies the night."}, headers=dpo
    )
    assert added.status_code == 201, added.text
    assert added.json() | {"text": "Friday", "decision": "confirmed", "reason": "reviewer"} == (
        added.json()
    )
    outside = await client.post(
        f"{base}/redactions",
        json=body | {"end": len(note) + 1, "note": "Too far."},
        headers=dpo,
    )
    assert outside.status_code == 422
    stranger = await client.post(
        f"{base}/redactions",
        json=body | {"item_id": str(uuid.uuid4()), "note": "Not here."},
        headers=dpo,
    )
    assert stranger.status_code == 404

    await client.post(f"{base}/redactions/confirm-remaining", headers=dpo)
    assert (await client.post(f"{base}/bundle", headers=dpo)).status_code == 202
    await wait_for(client, dpo, ready["id"], "bundled")
    document = (await client.get(f"{base}/bundle.json", headers=dpo)).json()
    bundled = next(r for r in document["records"] if r["kind"] == "home_visit")
    assert (
        "late on [REDACTED: third party: marked by the reviewer]." in bundled["sections"][0]["text"]
    )
    late = await client.post(
        f"{base}/redactions/{added.json()['id']}/decision",
        json={"decision": "removed"},
        headers=dpo,
    )
    assert late.status_code == 409
    assert (await client.post(f"{base}/bundle", headers=dpo)).status_code == 409


async def test_other_units_answer_the_dpo_alone(
    unit_urls: dict[str, AnyHttpUrl], internal_headers: Callable[[Principal, str], dict[str, str]]
) -> None:
    headers = internal_headers  # the gateway's token, addressed to each unit in turn
    team = uuid.uuid4()
    for name, url in unit_urls.items():
        async with httpx.AsyncClient(base_url=str(url)) as unit:
            path = "/subject-access/records"
            query = {"case_id": str(uuid.uuid4())}
            assert (await unit.get(path, params=query)).status_code == 401
            manager = await unit.get(path, params=query, headers=headers(manager_of(team), name))
            assert manager.status_code == 403, (name, manager.text)
            answer = await unit.get(path, params=query, headers=headers(DPO, name))
            assert answer.status_code == 200, (name, answer.text)
            assert answer.json() == {"unit": name, "records": []}
            bad = await unit.get(path, headers=headers(DPO, name))
            assert bad.status_code == 422
            assert bad.headers["content-type"] == PROBLEM
