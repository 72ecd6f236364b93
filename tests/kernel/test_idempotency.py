"""Idempotency-Key on creating requests: replay, reuse with another body, in-flight."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from services.settings import async_database_url
from tests.kernel.widget_app import Widget


async def test_retry_with_same_key_replays_and_creates_once(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    headers = {**as_user(), "Idempotency-Key": "create-1"}
    first = await widget_client.post("/widgets", json={"name": "a"}, headers=headers)
    second = await widget_client.post("/widgets", json={"name": "a"}, headers=headers)

    assert first.status_code == 201
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    listed = await widget_client.get("/widgets", headers=headers)
    assert [w["id"] for w in listed.json()["items"]] == [first.json()["id"]]


async def test_same_key_with_another_body_is_422(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    headers = {**as_user(), "Idempotency-Key": "create-2"}
    await widget_client.post("/widgets", json={"name": "a"}, headers=headers)
    reused = await widget_client.post("/widgets", json={"name": "b"}, headers=headers)

    assert reused.status_code == 422
    assert reused.headers["content-type"] == "application/problem+json"
    assert reused.json()["type"].endswith("/idempotency-key-reused")


async def test_retry_while_first_is_in_flight_is_409(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    headers = {**as_user(), "Idempotency-Key": "slow"}
    body = {"name": "slow", "delay_seconds": 1.0}

    async def late_retry() -> httpx.Response:
        await asyncio.sleep(0.3)
        return await widget_client.post("/widgets", json=body, headers=headers)

    first, retry = await asyncio.gather(
        widget_client.post("/widgets", json=body, headers=headers), late_retry()
    )

    assert first.status_code == 201
    assert retry.status_code == 409
    assert retry.headers["retry-after"] == "1"
    after = await widget_client.post("/widgets", json=body, headers=headers)
    assert after.status_code == 201
    assert after.json() == first.json()


async def test_keys_are_scoped_to_the_caller(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    alice = {**as_user(), "Idempotency-Key": "shared"}
    bob = {**as_user(), "Idempotency-Key": "shared"}
    a = await widget_client.post("/widgets", json={"name": "x"}, headers=alice)
    b = await widget_client.post("/widgets", json={"name": "x"}, headers=bob)

    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


async def test_failed_request_is_not_stored_and_can_be_retried(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    headers = {**as_user(), "Idempotency-Key": "fix-and-retry"}
    bad = await widget_client.post("/widgets", json={"name": ""}, headers=headers)
    assert bad.status_code == 422

    good = await widget_client.post("/widgets", json={"name": ""}, headers=headers)
    assert good.status_code == 422  # same body, same validation failure, nothing stored
    fixed_headers = {**headers, "Idempotency-Key": "fix-and-retry-2"}
    fixed = await widget_client.post("/widgets", json={"name": "ok"}, headers=fixed_headers)
    assert fixed.status_code == 201


async def test_malformed_key_is_400(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    response = await widget_client.post(
        "/widgets", json={"name": "a"}, headers={**as_user(), "Idempotency-Key": "x" * 300}
    )

    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-idempotency-key")


async def test_a_retry_while_the_first_waits_outside_its_transaction_replays_it(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    """The first ends its transaction to wait, so the retry claims the key and waits too;
    whichever stores second claims the key again, finds the first's answer and replays it."""
    headers = {**as_user(), "Idempotency-Key": "wait-outside"}
    body = {"name": "patient", "delay_seconds": 1.0}

    async def late_retry() -> httpx.Response:
        await asyncio.sleep(0.3)
        return await widget_client.post("/widgets/after-wait", json=body, headers=headers)

    first, retry = await asyncio.gather(
        widget_client.post("/widgets/after-wait", json=body, headers=headers), late_retry()
    )

    assert (first.status_code, retry.status_code) == (201, 201), (first.text, retry.text)
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    listed = await widget_client.get("/widgets", headers=headers)
    assert [w["id"] for w in listed.json()["items"]] == [first.json()["id"]]


async def test_a_request_that_has_written_cannot_end_its_transaction_early(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]], database_url: str
) -> None:
    """Its change would otherwise commit apart from its audit and its stored response."""
    name = f"half-done {uuid.uuid4()}"
    with pytest.raises(RuntimeError, match="has written"):
        await widget_client.post("/widgets/write-then-wait", json={"name": name}, headers=as_user())

    engine = create_async_engine(async_database_url(database_url))
    try:
        async with engine.connect() as connection:
            kept = await connection.scalar(
                select(func.count()).select_from(Widget).where(Widget.name == name)
            )
    finally:
        await engine.dispose()
    assert kept == 0
