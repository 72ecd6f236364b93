"""Amendments keep the full history; "entered in error" withdraws without destroying."""

from __future__ import annotations

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    CaseWorld,
    allocate,
    case_world,
    if_match,
    outbox_events,
    principal,
    record_entry,
)


def url(world: CaseWorld, entry_id: str, *rest: str) -> str:
    return "/".join([f"/cases/{world.case_id}/entries/{entry_id}", *rest])


async def test_amendment_appends_a_revision_and_keeps_the_old_one(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    author = as_(world.social_worker)
    entry = await record_entry(client, author, world.case_id, narrative="Saw Jo at school.")
    amended = await client.post(
        url(world, entry["id"], "amendments"),
        json={"reason": "Wrong child named", "narrative": "Saw Sam at school."},
        headers=if_match(author, entry["etag"]),
    )
    assert amended.status_code == 200, amended.text
    body = amended.json()
    assert (body["revision"], body["narrative"], body["id"]) == (
        2,
        "Saw Sam at school.",
        entry["id"],
    )
    assert amended.headers["etag"] != entry["etag"]

    history = await client.get(
        url(world, entry["id"]) + "?include=revisions",
        headers=as_(world.specialists["recovery_worker"]),
    )
    revisions = history.json()["revisions"]
    assert [(r["revision"], r["narrative"], r["reason"]) for r in revisions] == [
        (1, "Saw Jo at school.", None),
        (2, "Saw Sam at school.", "Wrong child named"),
    ]
    assert revisions[1]["recorded_by_id"] == str(world.social_worker.practitioner_id)
    plain = await client.get(url(world, entry["id"]), headers=author)
    assert plain.json()["revisions"] is None
    events = await outbox_events(db_engine, f"cases/{world.case_id}/entries/{entry['id']}")
    assert [e.type for e in events][-1] == "uk.gov.fsm.workbook.entry.amended"
    assert events[-1].data["revision"] == 2
    assert "Sam" not in str(events[-1].data)


async def test_amendment_needs_reason_change_and_etag(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    author = as_(world.social_worker)
    entry = await record_entry(client, author, world.case_id)
    target = url(world, entry["id"], "amendments")
    no_reason = await client.post(
        target, json={"narrative": "x"}, headers=if_match(author, entry["etag"])
    )
    assert no_reason.status_code == 422
    blank = await client.post(
        target, json={"reason": "  ", "narrative": "x"}, headers=if_match(author, entry["etag"])
    )
    assert blank.status_code == 422
    nothing = await client.post(
        target, json={"reason": "tidy"}, headers=if_match(author, entry["etag"])
    )
    assert nothing.status_code == 422
    no_etag = await client.post(target, json={"reason": "typo", "narrative": "x"}, headers=author)
    assert no_etag.status_code == 428
    stale = await client.post(
        target, json={"reason": "typo", "narrative": "x"}, headers=if_match(author, '"1.1"')
    )
    assert stale.status_code == 412


async def test_amendment_must_still_make_a_complete_entry(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    author = as_(world.social_worker)
    entry = await record_entry(client, author, world.case_id)
    response = await client.post(
        url(world, entry["id"], "amendments"),
        json={"reason": "More sensitive than first thought", "sensitivity": "restricted"},
        headers=if_match(author, entry["etag"]),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["body", "shareable_summary"]


async def test_who_may_amend(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    entry = await record_entry(client, as_(world.social_worker), world.case_id)
    colleague = await client.post(
        url(world, entry["id"], "amendments"),
        json={"reason": "typo", "narrative": "x"},
        headers=if_match(as_(world.specialists["recovery_worker"]), entry["etag"]),
    )
    assert colleague.status_code == 403
    manager = await client.post(
        url(world, entry["id"], "amendments"),
        json={"reason": "Manager correction after audit", "significant": True},
        headers=if_match(as_(world.manager), entry["etag"]),
    )
    assert manager.status_code == 200, manager.text
    assert manager.json()["author_id"] == str(world.social_worker.practitioner_id)
    assert manager.json()["significant"] is True


async def test_drafts_are_edited_not_amended(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    author = as_(world.social_worker)
    draft = await record_entry(client, author, world.case_id, finalise=False)
    response = await client.post(
        url(world, draft["id"], "amendments"),
        json={"reason": "typo", "narrative": "x"},
        headers=if_match(author, draft["etag"]),
    )
    assert response.status_code == 409
    withdraw = await client.post(
        url(world, draft["id"], "withdraw"),
        json={"reason": "duplicate"},
        headers=if_match(author, draft["etag"]),
    )
    assert withdraw.status_code == 409


async def test_restricting_later_protects_earlier_revisions(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    recovery = world.specialists["recovery_worker"]
    author = as_(recovery)
    entry = await record_entry(
        client, author, world.case_id, narrative="Disclosed relapse last weekend."
    )
    amended = await client.post(
        url(world, entry["id"], "amendments"),
        json={
            "reason": "Clinical detail should be restricted",
            "sensitivity": "restricted",
            "shareable_summary": "Recovery work continuing.",
        },
        headers=if_match(author, entry["etag"]),
    )
    assert amended.status_code == 200, amended.text
    other = as_(world.specialists["da_victim_worker"])
    seen = await client.get(url(world, entry["id"]) + "?include=revisions", headers=other)
    body = seen.json()
    assert body["narrative"] is None
    assert body["detail_withheld"] is True
    assert [r["narrative"] for r in body["revisions"]] == [None, None]
    assert "relapse" not in seen.text
    allowed = await client.get(
        url(world, entry["id"]) + "?include=revisions", headers=as_(world.social_worker)
    )
    assert allowed.json()["revisions"][0]["narrative"] == "Disclosed relapse last weekend."


async def test_withdrawn_entry_stays_visible_to_author_manager_and_auditor(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    author = as_(world.social_worker)
    entry = await record_entry(client, author, world.case_id, significant=True)
    auditor = principal(discipline="quality_assurance", roles=("practitioner", "auditor"))
    await allocate(client, as_(world.manager), world.case_id, auditor)
    withdrawn = await client.post(
        url(world, entry["id"], "withdraw"),
        json={"reason": "Recorded on the wrong family"},
        headers=if_match(author, entry["etag"]),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    body = withdrawn.json()
    assert body["status"] == "withdrawn"
    assert body["withdrawn_reason"] == "Recorded on the wrong family"
    assert body["narrative"] == entry["narrative"]  # nothing destroyed

    listing = f"/cases/{world.case_id}/entries"
    for who in (world.social_worker, world.manager, auditor):
        default = await client.get(listing, headers=as_(who))
        assert entry["id"] not in {i["id"] for i in default.json()["items"]}
        included = await client.get(listing + "?include_withdrawn=true", headers=as_(who))
        assert entry["id"] in {i["id"] for i in included.json()["items"]}, who
        one = await client.get(url(world, entry["id"]), headers=as_(who))
        assert one.json()["status"] == "withdrawn"
    colleague = as_(world.specialists["recovery_worker"])
    assert (await client.get(url(world, entry["id"]), headers=colleague)).status_code == 404
    included = await client.get(listing + "?include_withdrawn=true", headers=colleague)
    assert entry["id"] not in {i["id"] for i in included.json()["items"]}

    etag = withdrawn.headers["etag"]
    again = await client.post(
        url(world, entry["id"], "withdraw"),
        json={"reason": "again"},
        headers=if_match(author, etag),
    )
    assert again.status_code == 409
    amend = await client.post(
        url(world, entry["id"], "amendments"),
        json={"reason": "undo", "narrative": "x"},
        headers=if_match(author, etag),
    )
    assert amend.status_code == 409
    events = await outbox_events(db_engine, f"cases/{world.case_id}/entries/{entry['id']}")
    assert events[-1].type == "uk.gov.fsm.workbook.entry.withdrawn"
    assert "wrong family" not in str(events[-1].data)
    async with db_engine.connect() as connection:
        stored = await connection.scalar(
            text("SELECT count(*) FROM workbook.entry WHERE id = :id"), {"id": entry["id"]}
        )
    assert stored == 1


async def test_only_author_or_manager_withdraws(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    entry = await record_entry(client, as_(world.social_worker), world.case_id)
    response = await client.post(
        url(world, entry["id"], "withdraw"),
        json={"reason": "not mine to withdraw"},
        headers=if_match(as_(world.specialists["recovery_worker"]), entry["etag"]),
    )
    assert response.status_code == 403
    manager = await client.post(
        url(world, entry["id"], "withdraw"),
        json={"reason": "Duplicate of an earlier note"},
        headers=if_match(as_(world.manager), entry["etag"]),
    )
    assert manager.status_code == 200
    assert manager.json()["withdrawn_by_name"] == world.manager.display_name
