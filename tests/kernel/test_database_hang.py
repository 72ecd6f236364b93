"""A database that accepts connections and answers nothing: 503 within the wait budget, then
at once while it hangs, and service again as soon as it answers, with no restart."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from services.settings import KernelSettings
from tests.conftest import running
from tests.kernel.widget_app import create_widget_app
from tests.support.tcp_proxy import CuttableProxy, Target

BUDGET_SECONDS = 1.0


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[CuttableProxy]:
    proxy = CuttableProxy(Target.from_database_url(database_url))
    await proxy.start()
    yield proxy
    proxy.thaw()
    await proxy.cut()


def through(proxy: CuttableProxy, database_url: str) -> str:
    parsed = make_url(database_url)
    query = {k: v for k, v in parsed.query.items() if k != "host"}
    return parsed.set(host="127.0.0.1", port=proxy.port, query=query).render_as_string(
        hide_password=False
    )


async def timed(pending: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    """Await a request (it starts only now) and say how long it took."""
    started = time.monotonic()
    response = await pending
    return response, time.monotonic() - started


async def test_a_hung_database_is_503_in_time_then_at_once_and_recovers_by_itself(
    widget_table: None,
    kernel_settings: KernelSettings,
    database_url: str,
    proxy: CuttableProxy,
    as_user: Callable[[], dict[str, str]],
) -> None:
    settings = kernel_settings.model_copy(
        update={
            "database_url": SecretStr(through(proxy, database_url)),
            "db_wait_budget_seconds": BUDGET_SECONDS,
        }
    )
    headers = as_user()
    app = create_widget_app(settings)
    async with running(app) as client:
        created = await client.post("/widgets", json={"name": "before"}, headers=headers)
        assert created.status_code == 201  # a pooled connection now waits, idle

        proxy.freeze()
        first, waited = await timed(client.get("/widgets", headers=headers))
        second, at_once = await timed(client.post("/widgets", json={"name": "x"}, headers=headers))

        for down in (first, second):
            assert down.status_code == 503
            assert down.headers["content-type"] == "application/problem+json"
            assert down.json()["type"].endswith("/database-unavailable")
            assert int(down.headers["retry-after"]) > 0
        # The pre-ping of the idle connection was given up on at the budget, not after the
        # connect and command timeouts (2 s and 20 s here)...
        assert BUDGET_SECONDS <= waited < BUDGET_SECONDS + 1.5
        # ...and the next request did not wait again.
        assert at_once < waited / 2

        proxy.thaw()
        deadline = time.monotonic() + 10
        while (await client.get("/widgets", headers=headers)).status_code != 200:
            assert time.monotonic() < deadline, "no recovery 10 s after the database answered"
            await asyncio.sleep(0.1)
        again = await client.post("/widgets", json={"name": "after"}, headers=headers)
        listed = await client.get("/widgets", headers=headers)

    assert again.status_code == 201
    assert sorted(item["name"] for item in listed.json()["items"]) == ["after", "before"]
