"""The due lists a page at a time: keyset cursors over (due date, case id)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.projection.factories import allocation_snapshot, announce, case_snapshot, hours_ago
from tests.supervision.conftest import Headers, Team


async def cases_due(client: httpx.AsyncClient, team: Team, count: int) -> list[uuid.UUID]:
    """Cases of the team opened a day apart (so due a working day or so apart), each with the
    social worker allocated."""
    made = []
    for number in range(count):
        case = case_snapshot(team.id, opened_at=hours_ago(24 * (40 + number)))
        await announce(client, case, allocation_snapshot(case, team.social_worker.practitioner_id))
        made.append(case.case_id)
    return made


async def read_all(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], limit: int
) -> list[dict[str, Any]]:
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"which": "all", "limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(url, params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert len(body["items"]) == limit
    return [item for page in pages for item in page]


async def test_a_teams_due_list_pages_in_due_order_without_gaps_or_repeats(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    made = await cases_due(client, team, 5)
    url = f"/teams/{team.id}/due"
    whole = await client.get(url, params={"which": "all"}, headers=as_(team.manager))
    expected = [item["case_id"] for item in whole.json()["items"]]
    assert sorted(expected) == sorted(str(c) for c in made)
    assert whole.json()["next_cursor"] is None

    paged = await read_all(client, url, as_(team.manager), limit=2)

    assert [item["case_id"] for item in paged] == expected
    keys = [(item["due_on"], item["case_id"]) for item in paged]
    assert keys == sorted(keys)


async def test_a_case_opening_between_pages_does_not_shift_the_next_page(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    await cases_due(client, team, 4)
    url = f"/teams/{team.id}/due"
    first = (
        await client.get(url, params={"which": "all", "limit": 2}, headers=as_(team.manager))
    ).json()
    # A case more overdue than any on the first page opens: it sorts before the cursor.
    earlier = case_snapshot(team.id, opened_at=hours_ago(24 * 90))
    await announce(client, earlier)
    second = (
        await client.get(
            url,
            params={"which": "all", "limit": 2, "cursor": first["next_cursor"]},
            headers=as_(team.manager),
        )
    ).json()
    seen = [i["case_id"] for i in first["items"]] + [i["case_id"] for i in second["items"]]
    assert len(set(seen)) == 4
    assert str(earlier.case_id) not in seen


async def test_my_due_list_pages_too(client: httpx.AsyncClient, as_: Headers, team: Team) -> None:
    made = await cases_due(client, team, 3)
    paged = await read_all(client, "/due", as_(team.social_worker), limit=1)
    assert sorted(item["case_id"] for item in paged) == sorted(str(c) for c in made)


async def test_a_cursor_the_list_did_not_make_is_a_400_problem(
    client: httpx.AsyncClient, as_: Headers, team: Team
) -> None:
    for cursor in ("not-a-cursor", "WyJ4IiwgInkiXQ"):  # the second: ["x", "y"]
        response = await client.get(
            f"/teams/{team.id}/due", params={"cursor": cursor}, headers=as_(team.manager)
        )
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("invalid-cursor")
