"""Full-text search: only what the caller may see, snippets only from text they may read."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    audit_rows,
    case_world,
    if_match,
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


async def test_results_page_by_rank_then_id(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    word = marker()
    author = as_(world.social_worker)
    strong = await record_entry(client, author, world.case_id, narrative=f"{word} {word} {word}")
    made = {strong["id"]}
    for _ in range(4):
        made.add((await record_entry(client, author, world.case_id, narrative=word))["id"])
    seen: list[str] = []
    cursor = None
    while True:
        params = {"q": word, "limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/search", params=params, headers=author)).json()
        seen += [h["id"] for h in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen[0] == strong["id"]
    assert sorted(seen) == sorted(made)
    scoped = await client.get(
        "/search", params={"q": word, "case_id": str(uuid.uuid4())}, headers=author
    )
    assert scoped.json()["items"] == []


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
