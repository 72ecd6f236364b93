"""Workbook entries: recording, private drafts, finalising, listing, and who may reach them."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    CaseWorld,
    audit_rows,
    case_world,
    create_family,
    entry_body,
    if_match,
    manager_of,
    member_id,
    outbox_events,
    practitioner_in,
    principal,
    record_entry,
)


def entries_url(world: CaseWorld, *rest: str) -> str:
    return "/".join([f"/cases/{world.case_id}/entries", *rest])


async def test_final_entry_is_recorded_with_author_discipline_and_episode(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    parent_id = member_id(world, "parent")
    response = await client.post(
        entries_url(world),
        json=entry_body(finalise=True, significant=True, person_ids=[parent_id, parent_id]),
        headers=as_(world.social_worker),
    )
    assert response.status_code == 201, response.text
    entry = response.json()
    assert response.headers["location"] == f"/cases/{world.case_id}/entries/{entry['id']}"
    assert response.headers["etag"] == entry["etag"]
    assert entry["status"] == "final"
    assert entry["author_id"] == str(world.social_worker.practitioner_id)
    assert entry["author_name"] == world.social_worker.display_name
    assert entry["discipline"] == "social_worker"
    assert entry["episode_number"] == 1
    assert entry["person_ids"] == [parent_id]  # repeats dropped
    assert entry["revision"] == 1
    assert entry["significant"] is True
    assert datetime.fromisoformat(entry["recorded_at"]) > datetime.fromisoformat(entry["event_at"])
    [row] = await audit_rows(db_engine, response)
    assert (row.action, row.resource_type, row.outcome) == ("create", "entry", "success")
    assert row.purpose == "direct_work"
    assert str(row.case_id) == world.case_id
    assert "Visited" not in str(row.details)
    [event] = await outbox_events(db_engine, f"cases/{world.case_id}/entries/{entry['id']}")
    assert event.type == "uk.gov.fsm.workbook.entry.finalised"
    assert event.team_id == world.team_id
    assert event.data["significant"] is True
    assert "narrative" not in event.data


async def test_client_cannot_claim_authorship_or_recorded_time(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    for extra in (
        {"author_id": str(uuid.uuid4())},
        {"recorded_at": datetime.now(UTC).isoformat()},
        {"discipline": "team_manager"},
    ):
        response = await client.post(
            entries_url(world), json=entry_body(**extra), headers=as_(world.social_worker)
        )
        assert response.status_code == 422, extra


async def test_draft_is_private_to_its_author(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    author = as_(world.social_worker)
    draft = await record_entry(client, author, world.case_id, finalise=False, significant=True)
    assert draft["status"] == "draft"
    assert draft["revision"] == 0
    others = [world.manager, world.specialists["recovery_worker"]]
    for other in others:
        got = await client.get(entries_url(world, draft["id"]), headers=as_(other))
        assert got.status_code == 404
        listed = await client.get(entries_url(world), headers=as_(other))
        assert draft["id"] not in {i["id"] for i in listed.json()["items"]}
        drafts = await client.get(entries_url(world) + "?status=draft", headers=as_(other))
        assert drafts.json()["items"] == []
    mine = await client.get(entries_url(world) + "?status=draft", headers=author)
    assert [i["id"] for i in mine.json()["items"]] == [draft["id"]]


async def test_draft_edits_need_the_current_etag(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    author = as_(world.social_worker)
    draft = await record_entry(client, author, world.case_id, finalise=False)
    url = entries_url(world, draft["id"])

    missing = await client.patch(url, json={"narrative": "Changed"}, headers=author)
    assert missing.status_code == 428
    stale = await client.patch(
        url, json={"narrative": "Changed"}, headers=if_match(author, '"0.0"')
    )
    assert stale.status_code == 412

    edited = await client.patch(
        url,
        json={"narrative": "Saw both children; the baby was asleep.", "significant": True},
        headers=if_match(author, draft["etag"]),
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["narrative"] == "Saw both children; the baby was asleep."
    assert edited.json()["significant"] is True
    assert edited.headers["etag"] != draft["etag"]
    again = await client.patch(
        url, json={"narrative": "Lost update"}, headers=if_match(author, draft["etag"])
    )
    assert again.status_code == 412


async def test_finalise_shares_the_entry_and_freezes_it(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    author = as_(world.social_worker)
    draft = await record_entry(client, author, world.case_id, finalise=False)
    url = entries_url(world, draft["id"])
    final = await client.post(f"{url}/finalise", headers=if_match(author, draft["etag"]))
    assert final.status_code == 200, final.text
    assert final.json()["status"] == "final"
    assert final.json()["revision"] == 1
    seen = await client.get(url, headers=as_(world.specialists["recovery_worker"]))
    assert seen.status_code == 200
    assert seen.json()["narrative"] == draft["narrative"]

    etag = final.headers["etag"]
    assert (await client.post(f"{url}/finalise", headers=if_match(author, etag))).status_code == 409
    edit = await client.patch(url, json={"narrative": "x"}, headers=if_match(author, etag))
    assert edit.status_code == 409
    events = await outbox_events(db_engine, f"cases/{world.case_id}/entries/{draft['id']}")
    assert [e.type for e in events] == ["uk.gov.fsm.workbook.entry.finalised"]


async def test_only_the_author_finalises(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    draft = await record_entry(client, as_(world.social_worker), world.case_id, finalise=False)
    response = await client.post(
        entries_url(world, draft["id"], "finalise"),
        headers=if_match(as_(world.manager), draft["etag"]),
    )
    assert response.status_code == 404  # a draft does not exist for anyone else


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"entry_type": "coffee_morning"}, "entry_type"),
        ({"entry_type": "role_summary"}, "entry_type"),
        ({"event_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}, "event_at"),
        ({"event_at": "2026-01-01T10:00:00"}, "event_at"),
        ({"narrative": None}, "narrative"),
        ({"narrative": "   "}, "narrative"),
        ({"sensitivity": "restricted"}, "shareable_summary"),
        ({"sensitivity": "secret"}, "sensitivity"),
        ({"fields": {"attendance": "attended"}}, "fields"),
        ({"significant": None}, "significant"),
        ({"narrative": "x" * 50_001}, "narrative"),
    ],
)
async def test_invalid_final_entries_are_refused_naming_the_field(
    client: httpx.AsyncClient, as_: Headers, overrides: dict[str, Any], field: str
) -> None:
    world = await case_world(client, as_)
    response = await client.post(
        entries_url(world),
        json=entry_body(finalise=True, **overrides),
        headers=as_(world.social_worker),
    )
    assert response.status_code == 422, response.text
    locations = [e["location"] for e in response.json()["errors"]]
    assert any(field in location for location in locations), locations


async def test_small_clock_skew_is_tolerated(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    soon = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    entry = await record_entry(client, as_(world.social_worker), world.case_id, event_at=soon)
    assert entry["status"] == "final"


async def test_restricted_draft_may_wait_for_its_summary(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    author = as_(world.social_worker)
    draft = await record_entry(
        client, author, world.case_id, finalise=False, sensitivity="restricted"
    )
    url = entries_url(world, draft["id"])
    refused = await client.post(f"{url}/finalise", headers=if_match(author, draft["etag"]))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["location"] == ["body", "shareable_summary"]
    patched = await client.patch(
        url,
        json={"shareable_summary": "Concerns discussed with mother."},
        headers=if_match(author, draft["etag"]),
    )
    final = await client.post(f"{url}/finalise", headers=if_match(author, patched.headers["etag"]))
    assert final.status_code == 200, final.text


async def test_people_must_belong_to_the_case_family(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    other = await create_family(client, as_(world.manager), team_id=world.team_id)
    strangers = [str(other["members"][0]["id"]), str(uuid.uuid4())]
    for stranger in strangers:
        response = await client.post(
            entries_url(world),
            json=entry_body(person_ids=[member_id(world, "child"), stranger]),
            headers=as_(world.social_worker),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["location"] == ["body", "person_ids"]


async def test_list_is_newest_first_and_pages_without_gaps(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    author = as_(world.social_worker)
    now = datetime.now(UTC)
    made = []
    for hours in range(5):
        entry = await record_entry(
            client,
            author,
            world.case_id,
            event_at=(now - timedelta(hours=hours + 1)).isoformat(),
            significant=hours % 2 == 0,
        )
        made.append(entry["id"])
    seen: list[str] = []
    cursor = None
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(entries_url(world) + query, headers=author)).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made
    significant = await client.get(entries_url(world) + "?significant=true", headers=author)
    assert [i["id"] for i in significant.json()["items"]] == made[0::2]
    by_type = await client.get(entries_url(world) + "?entry_type=phone_call", headers=author)
    assert by_type.json()["items"] == []
    bad = await client.get(entries_url(world) + "?cursor=not-a-cursor", headers=author)
    assert bad.status_code == 400


async def test_recording_needs_an_allocation_or_management(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    manager_entry = await record_entry(client, as_(world.manager), world.case_id)
    assert manager_entry["discipline"] == "team_manager"
    # Same team but not allocated: the case does not exist for them.
    colleague = practitioner_in(world.team_id)
    response = await client.post(entries_url(world), json=entry_body(), headers=as_(colleague))
    assert response.status_code == 404


async def test_break_glass_reads_but_does_not_record(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    entry = await record_entry(client, as_(world.social_worker), world.case_id)
    duty = practitioner_in(uuid.uuid4())
    grant = await client.post(
        f"/cases/{world.case_id}/break-glass",
        json={
            "justification": "Out-of-hours police call about the children; need history now.",
            "duration_minutes": 30,
        },
        headers=as_(duty),
    )
    assert grant.status_code == 201, grant.text
    read = await client.get(entries_url(world, entry["id"]), headers=as_(duty))
    assert read.status_code == 200
    write = await client.post(entries_url(world), json=entry_body(), headers=as_(duty))
    assert write.status_code == 403


async def test_closed_case_is_read_only(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    author = as_(world.social_worker)
    draft = await record_entry(client, author, world.case_id, finalise=False)
    case = await client.get(f"/cases/{world.case_id}", headers=as_(world.manager))
    closed = await client.post(
        f"/cases/{world.case_id}/close",
        json={"reason": "Step down to early help"},
        headers=if_match(as_(world.manager), case.headers["etag"]),
    )
    assert closed.status_code == 200, closed.text
    response = await client.post(entries_url(world), json=entry_body(), headers=as_(world.manager))
    assert response.status_code == 409
    finalise = await client.post(
        entries_url(world, draft["id"], "finalise"), headers=if_match(author, draft["etag"])
    )
    assert finalise.status_code == 409


async def test_unknown_purpose_is_refused_and_declared_purpose_audited(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    headers = as_(world.social_worker)
    bad = await client.get(entries_url(world), headers={**headers, "X-Access-Purpose": "curious"})
    assert bad.status_code == 422
    good = await client.get(
        entries_url(world), headers={**headers, "X-Access-Purpose": "supervision"}
    )
    [row] = await audit_rows(db_engine, good)
    assert (row.action, row.purpose, row.details["count"]) == ("list", "supervision", 0)


async def test_refusals_are_audited(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    entry = await record_entry(client, as_(world.social_worker), world.case_id)
    response = await client.get(entries_url(world, entry["id"]), headers=as_(world.outsider))
    assert response.status_code == 404
    [row] = await audit_rows(db_engine, response)
    assert (row.action, row.outcome, row.resource_id) == ("read", "not_found", entry["id"])


# Every entry endpoint: no token, wrong role, another team ---------------------------------


def endpoints(world: CaseWorld, entry: dict[str, Any]) -> list[tuple[str, str, Any, bool]]:
    """(method, path, body, writes) for every entry endpoint."""
    one = entries_url(world, entry["id"])
    return [
        ("POST", entries_url(world), entry_body(), True),
        ("GET", entries_url(world), None, False),
        ("GET", one, None, False),
        ("GET", one + "?include=revisions", None, False),
        ("PATCH", one, {"narrative": "x"}, True),
        ("POST", one + "/finalise", None, True),
        ("POST", one + "/amendments", {"reason": "typo", "narrative": "x"}, True),
        ("POST", one + "/withdraw", {"reason": "wrong family"}, True),
    ]


async def test_every_endpoint_refuses_anonymous_wrong_role_and_other_teams(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    entry = await record_entry(client, as_(world.social_worker), world.case_id)
    administrator = principal(discipline="administrator", roles=("administrator",))
    auditor = principal(discipline="auditor", roles=("auditor",), teams=(world.team_id,))
    for method, path, body, writes in endpoints(world, entry):
        anonymous = await client.request(method, path, json=body)
        assert anonymous.status_code == 401, (method, path)
        wrong = await client.request(method, path, json=body, headers=as_(administrator))
        assert wrong.status_code == 403, (method, path)
        if writes:
            reader = await client.request(
                method, path, json=body, headers=if_match(as_(auditor), entry["etag"])
            )
            assert reader.status_code == 403, (method, path)
        for stranger in (world.outsider, world.outsider_manager, manager_of(uuid.uuid4())):
            other = await client.request(
                method, path, json=body, headers=if_match(as_(stranger), entry["etag"])
            )
            assert other.status_code == 404, (method, path, other.text)
            assert other.json()["type"].endswith("/not-found")


async def test_hostile_input_is_refused_never_a_server_error(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    sw = as_(world.social_worker)
    recovery = as_(world.specialists["recovery_worker"])
    bodies = [
        (sw, entries_url(world), entry_body(narrative="null\x00byte")),
        (sw, entries_url(world), entry_body(shareable_summary="\x00")),
        (sw, entries_url(world), entry_body(event_at="1850-01-01T00:00:00+00:00")),
        (sw, entries_url(world), entry_body(person_ids=["not-a-uuid"])),
        (sw, entries_url(world), entry_body(person_ids=[str(uuid.uuid4())] * 51)),
        (sw, entries_url(world), entry_body(fields=[1, 2])),
        (
            recovery,
            f"/cases/{world.case_id}/sessions",
            {
                "event_at": datetime.now(UTC).isoformat(),
                "person_ids": [member_id(world, "parent")],
                "fields": {"attendance": "attended", "session_focus": "a\x00b"},
            },
        ),
    ]
    for headers, path, body in bodies:
        response = await client.post(path, json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
    # 1e400 is valid JSON that parses to infinity; json.dumps would refuse to send it.
    overflowing = json.dumps(
        {
            "event_at": datetime.now(UTC).isoformat(),
            "person_ids": [member_id(world, "parent")],
            "fields": {"attendance": "attended", "units_per_week": 0},
        }
    ).replace('"units_per_week": 0', '"units_per_week": 1e400')
    response = await client.post(
        f"/cases/{world.case_id}/sessions",
        content=overflowing.encode(),
        headers={**recovery, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    for query in ("?entry_type=%00", "?discipline=x%00", "?limit=0", "?limit=100000", "?episode=0"):
        response = await client.get(entries_url(world) + query, headers=sw)
        assert response.status_code == 422, query
    search = await client.get("/search", params={"q": "a\x00b"}, headers=sw)
    assert search.status_code == 422


async def test_idempotency_key_makes_retries_safe(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    headers = {**as_(world.social_worker), "Idempotency-Key": f"visit-{uuid.uuid4()}"}
    body = entry_body(finalise=True)
    first = await client.post(entries_url(world), json=body, headers=headers)
    again = await client.post(entries_url(world), json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    listed = await client.get(entries_url(world), headers=as_(world.social_worker))
    assert len(listed.json()["items"]) == 1
