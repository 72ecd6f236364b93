"""Reading a unit's change feed to its end, for the feeds' behaviour and leak tests."""

from __future__ import annotations

from typing import Any

import httpx


async def read_all(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    cursor: str | None = None,
    *,
    path: str = "/changes",
    **params: Any,
) -> tuple[list[dict[str, Any]], str]:
    """Every item from `cursor` on, page by page; the cursor after the last."""
    items: list[dict[str, Any]] = []
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not page["more"]:
            return items, cursor


async def read_text(
    client: httpx.AsyncClient, headers: dict[str, str], cursor: str | None = None
) -> tuple[str, str]:
    """Every page from `cursor` on as one text (for markers), and the cursor after it."""
    texts = []
    while True:
        response = await client.get(
            "/changes", params={"cursor": cursor} if cursor else {}, headers=headers
        )
        assert response.status_code == 200, response.text
        texts.append(response.text)
        cursor = response.json()["next_cursor"]
        if not response.json()["more"]:
            return "\n".join(texts), str(cursor)


def keys(items: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """Each item's kind, id and op, in order."""
    return [(item["kind"], item["id"], item["op"]) for item in items]


def ids_of(items: list[dict[str, Any]], kind: str, op: str = "upsert") -> list[str]:
    """The ids of the items of one kind and op, in order."""
    return [item["id"] for item in items if item["kind"] == kind and item["op"] == op]
