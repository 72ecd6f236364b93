"""A full connection pool is overload (503 `overloaded`), not the database being down."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from services.settings import KernelSettings
from tests.conftest import running
from tests.kernel.widget_app import create_widget_app


async def test_a_full_pool_is_reported_as_busy_with_retry_after(
    widget_table: None, kernel_settings: KernelSettings, as_user: Callable[[], dict[str, str]]
) -> None:
    # One connection, no overflow: a slow write holds it while the next request waits.
    settings = kernel_settings.model_copy(
        update={
            "db_pool_size": 1,
            "db_max_overflow": 0,
            "db_connect_timeout_seconds": 0.5,
            "db_wait_budget_seconds": 1.0,
        }
    )
    headers = as_user()
    async with running(create_widget_app(settings)) as client:
        holding = asyncio.create_task(
            client.post("/widgets", json={"name": "slow", "delay_seconds": 2}, headers=headers)
        )
        await asyncio.sleep(0.5)
        waiting = await client.get("/widgets", headers=headers)
        # Busy is not unready: a probe that took busy replicas out of rotation would move the
        # load onto the others until none was left.
        readiness = await client.get("/readyz")
        held = await holding
        after = await client.get("/readyz")

    assert held.status_code == 201
    assert waiting.status_code == 503
    assert waiting.headers["content-type"] == "application/problem+json"
    assert int(waiting.headers["retry-after"]) > 0
    problem = waiting.json()
    assert problem["type"].endswith("/overloaded")
    assert "busy" in problem["detail"]
    assert readiness.status_code == 200
    assert readiness.json() == {"status": "ready", "database": "busy"}
    assert after.json() == {"status": "ready"}
