"""Role summaries per episode and the episode workbook view of who has written theirs."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    CaseWorld,
    case_world,
    if_match,
    outbox_events,
    principal,
    write_summary,
)


def episode_url(world: CaseWorld, *rest: str, number: int = 1) -> str:
    return "/".join([f"/cases/{world.case_id}/episodes/{number}", *rest])


async def test_workbook_shows_who_has_written_their_summary(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    written = await write_summary(client, as_(world.social_worker), world.case_id)
    assert written["status"] == "final"
    assert written["episode_number"] == 1
    draft = await write_summary(
        client, as_(world.specialists["recovery_worker"]), world.case_id, finalise=False
    )
    assert draft["status"] == "draft"

    response = await client.get(episode_url(world, "workbook"), headers=as_(world.manager))
    assert response.status_code == 200, response.text
    view = response.json()
    states = {w["practitioner_id"]: w for w in view["workers"]}
    sw = states[str(world.social_worker.practitioner_id)]
    assert sw["summary_state"] == "written"
    assert sw["is_allocated_social_worker"] is True
    assert sw["summary"]["narrative"] == "This month the family engaged well."
    recovery = states[str(world.specialists["recovery_worker"].practitioner_id)]
    assert recovery["summary_state"] == "not_written"  # a draft is private to its author
    assert recovery["summary"] is None
    assert recovery["discipline"] == "recovery_worker"
    assert recovery["practitioner_name"] == world.specialists["recovery_worker"].display_name
    assert (view["written"], view["outstanding"]) == (1, 2)
    assert view["workers"][0]["practitioner_id"] == str(world.social_worker.practitioner_id)

    own = await client.get(
        episode_url(world, "workbook"), headers=as_(world.specialists["recovery_worker"])
    )
    mine = {w["practitioner_id"]: w for w in own.json()["workers"]}
    assert mine[str(world.specialists["recovery_worker"].practitioner_id)]["summary_state"] == (
        "draft"
    )
    events = await outbox_events(db_engine, f"cases/{world.case_id}/entries/{written['id']}")
    assert [e.type for e in events] == ["uk.gov.fsm.workbook.summary.written"]
    assert "engaged" not in str(events[0].data)


async def test_one_summary_per_worker_per_episode(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    await write_summary(client, as_(world.social_worker), world.case_id)
    again = await client.post(
        episode_url(world, "summaries"),
        json={"narrative": "Second attempt"},
        headers=as_(world.social_worker),
    )
    assert again.status_code == 409


async def test_only_allocated_workers_write_summaries(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    response = await client.post(
        episode_url(world, "summaries"), json={"narrative": "Oversight"}, headers=as_(world.manager)
    )
    assert response.status_code == 403


async def test_restricted_summary_shows_its_shareable_summary_to_others(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    summary = await write_summary(
        client,
        as_(world.specialists["recovery_worker"]),
        world.case_id,
        narrative="Two positive tests this month; engaging with prescribing.",
        sensitivity="restricted",
        shareable_summary="Engaging with recovery service.",
    )
    other = as_(world.specialists["da_victim_worker"])
    one = await client.get(episode_url(world, "summaries", summary["id"]), headers=other)
    assert one.json()["narrative"] is None
    assert one.json()["shareable_summary"] == "Engaging with recovery service."
    view = await client.get(episode_url(world, "workbook"), headers=other)
    assert "positive tests" not in view.text
    assert "Engaging with recovery service." in view.text
    allowed = await client.get(episode_url(world, "workbook"), headers=as_(world.social_worker))
    assert "positive tests" in allowed.text


async def test_summary_draft_edit_finalise_and_amend(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    author = as_(world.social_worker)
    draft = await write_summary(client, author, world.case_id, finalise=False)
    url = episode_url(world, "summaries", draft["id"])
    edited = await client.patch(
        url,
        json={"narrative": "Good progress on the plan."},
        headers=if_match(author, draft["etag"]),
    )
    assert edited.status_code == 200, edited.text
    final = await client.post(f"{url}/finalise", headers=if_match(author, edited.headers["etag"]))
    assert final.status_code == 200, final.text
    assert final.json()["status"] == "final"
    amended = await client.post(
        f"{url}/amendments",
        json={"reason": "Added school attendance", "narrative": "Good progress; attending school."},
        headers=if_match(author, final.headers["etag"]),
    )
    assert amended.status_code == 200, amended.text
    history = await client.get(url + "?include=revisions", headers=as_(world.manager))
    assert [r["narrative"] for r in history.json()["revisions"]] == [
        "Good progress on the plan.",
        "Good progress; attending school.",
    ]
    listed = await client.get(episode_url(world, "summaries"), headers=as_(world.manager))
    assert [i["id"] for i in listed.json()["items"]] == [draft["id"]]
    events = await outbox_events(db_engine, f"cases/{world.case_id}/entries/{draft['id']}")
    assert [e.type for e in events] == [
        "uk.gov.fsm.workbook.summary.written",
        "uk.gov.fsm.workbook.summary.amended",
    ]


async def test_summaries_stay_out_of_the_entry_endpoints(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    summary = await write_summary(client, as_(world.social_worker), world.case_id)
    headers = as_(world.social_worker)
    entry = await client.get(f"/cases/{world.case_id}/entries/{summary['id']}", headers=headers)
    assert entry.status_code == 404
    listed = await client.get(f"/cases/{world.case_id}/entries", headers=headers)
    assert summary["id"] not in {i["id"] for i in listed.json()["items"]}


async def test_missing_episode_is_not_found(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    for path in ("workbook", "summaries"):
        response = await client.get(
            episode_url(world, path, number=7), headers=as_(world.social_worker)
        )
        assert response.status_code == 404


async def test_every_summary_endpoint_refuses_anonymous_wrong_role_and_other_teams(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    summary = await write_summary(client, as_(world.social_worker), world.case_id)
    one = episode_url(world, "summaries", summary["id"])
    calls = [
        ("POST", episode_url(world, "summaries"), {"narrative": "x"}, True),
        ("GET", episode_url(world, "summaries"), None, False),
        ("GET", one, None, False),
        ("PATCH", one, {"narrative": "x"}, True),
        ("POST", one + "/finalise", None, True),
        ("POST", one + "/amendments", {"reason": "r", "narrative": "x"}, True),
        ("GET", episode_url(world, "workbook"), None, False),
    ]
    administrator = principal(discipline="administrator", roles=("administrator",))
    auditor = principal(discipline="auditor", roles=("auditor",))
    for method, path, body, writes in calls:
        assert (await client.request(method, path, json=body)).status_code == 401
        wrong = await client.request(method, path, json=body, headers=as_(administrator))
        assert wrong.status_code == 403, (method, path)
        if writes:
            reader = await client.request(method, path, json=body, headers=as_(auditor))
            assert reader.status_code == 403, (method, path)
        for stranger in (world.outsider, world.outsider_manager):
            other = await client.request(
                method, path, json=body, headers=if_match(as_(stranger), summary["etag"])
            )
            assert other.status_code == 404, (method, path)
    unknown = await client.get(
        episode_url(world, "summaries", str(uuid.uuid4())), headers=as_(world.social_worker)
    )
    assert unknown.status_code == 404
