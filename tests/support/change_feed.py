"""Reading a unit's change feed to its end, for the feeds' behaviour and leak tests."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from services.settings import async_database_url

# Set by the session's database fixture (tests/conftest.py).
DATABASE_URL: str | None = None
SETTLE_SECONDS = 15.0


async def settled() -> None:
    """Wait until every transaction running now has ended.

    A feed serves what committed below the oldest transaction still running (its horizon), so
    a change just committed reaches it only once transactions that began before it end: a
    relay's or a runner's short transaction in another unit can hold it for a moment. Waiting
    for that is the feed's contract, not a retry; a horizon held past the bound is a fault, and
    the failure names the transactions holding it."""
    if DATABASE_URL is None:
        return
    engine = create_async_engine(async_database_url(DATABASE_URL), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            now = await connection.scalar(text("SELECT pg_snapshot_xmax(pg_current_snapshot())"))
            await connection.commit()
            deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
            while True:
                horizon = await connection.scalar(
                    text("SELECT pg_snapshot_xmin(pg_current_snapshot())")
                )
                await connection.commit()
                if int(str(horizon)) >= int(str(now)):
                    return
                if asyncio.get_running_loop().time() > deadline:
                    holders = (
                        await connection.execute(
                            text(
                                "SELECT pid, application_name, state, xact_start, backend_xid,"
                                " left(query, 200) FROM pg_stat_activity"
                                " WHERE backend_xid IS NOT NULL ORDER BY xact_start"
                            )
                        )
                    ).all()
                    raise AssertionError(f"the feeds' horizon is held: {holders}")
                await asyncio.sleep(0.05)
    finally:
        await engine.dispose()


async def read_all(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    cursor: str | None = None,
    *,
    path: str = "/changes",
    settle: bool = True,
    **params: Any,
) -> tuple[list[dict[str, Any]], str]:
    """Every item from `cursor` on, page by page; the cursor after the last (once the
    transactions running now have ended, unless the test holds one open itself)."""
    if settle:
        await settled()
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
    client: httpx.AsyncClient,
    headers: dict[str, str],
    cursor: str | None = None,
    *,
    path: str = "/changes",
) -> tuple[str, str]:
    """Every page from `cursor` on as one text (for markers), and the cursor after it."""
    await settled()
    texts = []
    while True:
        response = await client.get(
            path, params={"cursor": cursor} if cursor else {}, headers=headers
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
