"""Optimistic concurrency: ETag out, If-Match required in, exactly one winner."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx


async def _created(client: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    response = await client.post("/widgets", json={"name": "v1"}, headers=headers)
    assert response.status_code == 201
    return response


async def test_update_without_if_match_is_428(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    headers = as_user()
    created = await _created(widget_client, headers)
    response = await widget_client.put(
        f"/widgets/{created.json()['id']}", json={"name": "v2"}, headers=headers
    )

    assert response.status_code == 428
    assert response.headers["content-type"] == "application/problem+json"


async def test_update_with_stale_etag_is_412_and_changes_nothing(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    headers = as_user()
    created = await _created(widget_client, headers)
    url = f"/widgets/{created.json()['id']}"
    etag = created.headers["etag"]
    ok = await widget_client.put(url, json={"name": "v2"}, headers={**headers, "If-Match": etag})
    stale = await widget_client.put(url, json={"name": "v3"}, headers={**headers, "If-Match": etag})

    assert ok.status_code == 200
    assert ok.headers["etag"] != etag
    assert stale.status_code == 412
    current = await widget_client.get(url, headers=headers)
    assert current.json()["name"] == "v2"


async def test_concurrent_updates_with_same_etag_have_one_winner(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    headers = as_user()
    created = await _created(widget_client, headers)
    url = f"/widgets/{created.json()['id']}"
    with_etag = {**headers, "If-Match": created.headers["etag"]}

    # Both pass the If-Match check before either writes; the database decides the winner.
    results = await asyncio.gather(
        widget_client.put(url, json={"name": "left", "delay_seconds": 0.3}, headers=with_etag),
        widget_client.put(url, json={"name": "right", "delay_seconds": 0.3}, headers=with_etag),
    )

    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 412]
    winner = next(r for r in results if r.status_code == 200).json()["name"]
    current = await widget_client.get(url, headers=headers)
    assert current.json()["name"] == winner
    assert current.json()["version"] == 2
