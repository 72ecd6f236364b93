"""Full-text search: only what the caller may see, snippets only from text they may read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    allocation_body,
    audit_rows,
    case_world,
    if_match,
    manager_of,
    practitioner_in,
    principal,
    record_entry,
    write_summary,
)


def marker() -> str:
    """A word no other test will write."""
    return f"zq{uuid.uuid4().hex[:12]}"


async def search(
    client: httpx.AsyncClient, headers: dict[str, str], q: str
) -> list[dict[str, Any]]:
    response = await client.get("/search", params={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_finds_entries_summaries_and_sessions_with_a_highlighted_snippet(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await case_world(client, as_)
    word = marker()
    entry = await record_entry(
        client,
        as_(world.social_worker),
        world.case_id,
        narrative=f"The children talked about {word} and their new school.",
    )
    summary = await write_summary(
        client, as_(world.specialists["recovery_worker"]), world.case_id, narrative=f"{word} again"
    )
    response = await client.get(
        "/search", params={"q": word}, headers=as_(world.specialists["da_victim_worker"])
    )
    hits = response.json()["items"]
    assert {h["id"] for h in hits} == {entry["id"], summary["id"]}
    by_id = {h["id"]: h for h in hits}
    assert by_id[entry["id"]]["kind"] == "entry"
    assert by_id[summary["id"]]["kind"] == "role_summary"
    assert f"\u00ab{word}\u00bb" in by_id[entry["id"]]["snippet"]
    assert by_id[entry["id"]]["family_name"] == world.family["name"]
    assert by_id[entry["id"]]["case_id"] == world.case_id
    [row] = await audit_rows(db_engine, response)
    assert (row.action, row.details["result_count"], row.details["query_length"]) == (
        "search",
        2,
        len(word),
    )
    assert word not in str(row.details)


async def test_other_teams_and_unallocated_colleagues_find_nothing(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    word = marker()
    await record_entry(client, as_(world.social_worker), world.case_id, narrative=f"Saw {word}")
    for stranger in (world.outsider, world.outsider_manager, principal(teams=(world.team_id,))):
        assert await search(client, as_(stranger), word) == []
    assert len(await search(client, as_(world.manager), word)) == 1


async def test_drafts_are_found_only_by_their_author(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    word = marker()
    draft = await record_entry(
        client, as_(world.social_worker), world.case_id, finalise=False, narrative=word
    )
    assert [h["id"] for h in await search(client, as_(world.social_worker), word)] == [draft["id"]]
    assert await search(client, as_(world.manager), word) == []


async def test_restricted_narrative_is_searchable_only_by_those_who_may_read_it(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    hidden, shared = marker(), marker()
    entry = await record_entry(
        client,
        as_(world.specialists["recovery_worker"]),
        world.case_id,
        sensitivity="restricted",
        narrative=f"Clinical detail {hidden}",
        shareable_summary=f"Shareable {shared}",
    )
    other = as_(world.specialists["da_victim_worker"])
    assert await search(client, other, hidden) == []
    [hit] = await search(client, other, shared)
    assert hit["id"] == entry["id"]
    assert hit["detail_withheld"] is True
    assert hidden not in hit["snippet"]
    for allowed in (world.social_worker, world.manager, world.specialists["recovery_worker"]):
        [found] = await search(client, as_(allowed), hidden)
        assert hidden in found["snippet"]


async def test_withdrawn_entries_are_not_found(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    word = marker()
    author = as_(world.social_worker)
    entry = await record_entry(client, author, world.case_id, narrative=word)
    await client.post(
        f"/cases/{world.case_id}/entries/{entry['id']}/withdraw",
        json={"reason": "Wrong family"},
        headers=if_match(author, entry["etag"]),
    )
    assert await search(client, author, word) == []


async def all_pages(
    client: httpx.AsyncClient, headers: dict[str, str], q: str, limit: int
) -> list[dict[str, Any]]:
    """Every hit for `q`, following next_cursor a page of `limit` at a time."""
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"q": q, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        response = await client.get("/search", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


async def test_results_come_newest_event_first_with_relevance_shown(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    word = marker()
    author = as_(world.social_worker)
    # Recorded out of event order, two at the same instant, one far more relevant than the rest.
    days = (3, 40, 1, 40, 700, 12)
    made = []
    for n, days_ago in enumerate(days):
        narrative = f"{word} {word} {word} {word}" if n == 4 else f"Visit notes: {word}."
        event_at = (datetime(2026, 11, 1, 9, tzinfo=UTC) - timedelta(days=days_ago)).isoformat()
        made.append(
            await record_entry(
                client, author, world.case_id, narrative=narrative, event_at=event_at
            )
        )
    expected = sorted(made, key=lambda e: (e["event_at"], e["id"]), reverse=True)
    for limit in (1, 2, 4, 50):
        hits = await all_pages(client, author, word, limit)
        assert [h["id"] for h in hits] == [e["id"] for e in expected], limit
    by_id = {h["id"]: h for h in await all_pages(client, author, word, 50)}
    # Relevance is shown, not sorted by: the entry saying the word four times ranks highest.
    ranks = {entry_id: hit["rank"] for entry_id, hit in by_id.items()}
    assert max(ranks, key=lambda entry_id: ranks[entry_id]) == made[4]["id"]
    assert all(rank > 0 for rank in ranks.values())
    scoped = await client.get(
        "/search", params={"q": word, "case_id": str(uuid.uuid4())}, headers=author
    )
    assert scoped.json()["items"] == []


async def test_paging_is_stable_while_new_entries_are_recorded(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    word = marker()
    author = as_(world.social_worker)
    start = datetime(2026, 10, 1, 9, tzinfo=UTC)
    made = [
        await record_entry(
            client,
            author,
            world.case_id,
            narrative=f"{word} note {n}",
            event_at=(start + timedelta(hours=n)).isoformat(),
        )
        for n in range(5)
    ]
    first = (await client.get("/search", params={"q": word, "limit": "2"}, headers=author)).json()
    assert [h["id"] for h in first["items"]] == [made[4]["id"], made[3]["id"]]
    # Recorded between two page reads: a newer one belongs before the cursor, an older one after.
    newer = await record_entry(
        client,
        author,
        world.case_id,
        narrative=word,
        event_at=(start + timedelta(days=9)).isoformat(),
    )
    older = await record_entry(
        client,
        author,
        world.case_id,
        narrative=word,
        event_at=(start - timedelta(days=9)).isoformat(),
    )
    rest: list[str] = []
    cursor = first["next_cursor"]
    while cursor:
        page = (
            await client.get(
                "/search", params={"q": word, "limit": "2", "cursor": cursor}, headers=author
            )
        ).json()
        rest += [h["id"] for h in page["items"]]
        cursor = page["next_cursor"]
    assert rest == [made[2]["id"], made[1]["id"], made[0]["id"], older["id"]]
    assert newer["id"] not in rest


async def test_restricted_words_match_exactly_for_those_who_may_read_the_detail(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    recovery = world.specialists["recovery_worker"]
    second_recovery = practitioner_in(world.team_id, "recovery_worker")
    allocated = await client.post(
        f"/cases/{world.case_id}/allocations",
        json=await allocation_body(client, second_recovery),
        headers=as_(world.manager),
    )
    assert allocated.status_code == 201, allocated.text
    glass = practitioner_in(uuid.uuid4(), "recovery_worker")
    granted = await client.post(
        f"/cases/{world.case_id}/break-glass",
        json={
            "justification": "Out-of-hours call from the police about the children",
            "duration_minutes": 60,
        },
        headers=as_(glass),
    )
    assert granted.status_code == 201, granted.text
    hidden, shared = marker(), marker()
    entry = await record_entry(
        client,
        as_(recovery),
        world.case_id,
        sensitivity="restricted",
        narrative=f"Test results {hidden}",
        shareable_summary=f"Session held {shared}",
    )
    readers = (recovery, second_recovery, world.social_worker, world.manager)
    others = (world.specialists["da_victim_worker"], glass)
    for who in readers:
        [hit] = await search(client, as_(who), hidden)
        assert (hit["id"], hit["detail_withheld"]) == (entry["id"], False)
        # "-word" tests the text the caller may read: the entry does say it.
        assert await search(client, as_(who), f"{shared} -{hidden}") == []
    for who in others:
        assert await search(client, as_(who), hidden) == []
        # Nor does the absence of a restricted word give it away.
        [hit] = await search(client, as_(who), f"{shared} -{hidden}")
        assert (hit["id"], hit["detail_withheld"]) == (entry["id"], True)
        assert hidden not in hit["snippet"]
    for who in (world.outsider, world.outsider_manager, manager_of(uuid.uuid4())):
        assert await search(client, as_(who), shared) == []


async def test_a_manager_with_break_glass_elsewhere_pages_through_both_in_time_order(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    # The manager sees their team's case whole, and another team's through a grant: the two
    # come from different parts of the search and must interleave by time across pages.
    home, away = await case_world(client, as_), await case_world(client, as_)
    manager = home.manager
    granted = await client.post(
        f"/cases/{away.case_id}/break-glass",
        json={
            "justification": "Duty manager covering a child protection visit tonight",
            "duration_minutes": 60,
        },
        headers=as_(manager),
    )
    assert granted.status_code == 201, granted.text
    word, hidden = marker(), marker()
    start = datetime(2026, 9, 1, 9, tzinfo=UTC)
    made = []
    for n in range(6):
        world = home if n % 2 else away
        made.append(
            await record_entry(
                client,
                as_(world.specialists["recovery_worker"]),
                world.case_id,
                sensitivity="restricted",
                narrative=f"Clinical {hidden}",
                shareable_summary=f"Summary {word}",
                event_at=(start + timedelta(days=n)).isoformat(),
            )
        )
    hits = await all_pages(client, as_(manager), word, 2)
    assert [h["id"] for h in hits] == [e["id"] for e in reversed(made)]
    withheld = {h["case_id"]: h["detail_withheld"] for h in hits}
    assert withheld == {home.case_id: False, away.case_id: True}
    # Restricted words: the manager's own team's only, never through break-glass.
    found = await all_pages(client, as_(manager), hidden, 2)
    assert {h["case_id"] for h in found} == {home.case_id}
    assert len(found) == 3


async def test_auditors_find_their_teams_records_without_restricted_detail(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    auditor = principal(
        discipline="auditor", roles=("practitioner", "auditor"), teams=(world.team_id,)
    )
    hidden, shared = marker(), marker()
    entry = await record_entry(
        client,
        as_(world.specialists["recovery_worker"]),
        world.case_id,
        sensitivity="restricted",
        narrative=f"Clinical {hidden}",
        shareable_summary=f"Summary {shared}",
    )
    [hit] = await search(client, as_(auditor), shared)
    assert (hit["id"], hit["detail_withheld"]) == (entry["id"], True)
    assert await search(client, as_(auditor), hidden) == []
    elsewhere = principal(discipline="auditor", roles=("practitioner", "auditor"))
    assert await search(client, as_(elsewhere), shared) == []


async def test_queries_never_fail_on_odd_input(client: httpx.AsyncClient, as_: Headers) -> None:
    headers = as_(principal())
    for q in ('"unbalanced', "a & | ! (", "-", "or or or", "'; drop table entry; --", "the"):
        response = await client.get("/search", params={"q": q}, headers=headers)
        assert response.status_code == 200, q
    assert (await client.get("/search", params={"q": ""}, headers=headers)).status_code == 422
    long = await client.get("/search", params={"q": "x" * 201}, headers=headers)
    assert long.status_code == 422
    bad = await client.get("/search", params={"q": "x", "cursor": "nope"}, headers=headers)
    assert bad.status_code == 400


async def test_search_refuses_anonymous_and_wrong_role(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    assert (await client.get("/search", params={"q": "x"})).status_code == 401
    admin = principal(discipline="administrator", roles=("administrator",))
    assert (await client.get("/search", params={"q": "x"}, headers=as_(admin))).status_code == 403
