"""The database going away gives a quick 503 with Retry-After; its return needs no restart."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import pytest
from pydantic import SecretStr
from sqlalchemy.engine import make_url

from services.settings import KernelSettings
from tests.conftest import running
from tests.kernel.widget_app import create_widget_app
from tests.support.tcp_proxy import CuttableProxy, Target


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[CuttableProxy]:
    proxy = CuttableProxy(Target.from_database_url(database_url))
    await proxy.start()
    yield proxy
    await proxy.cut()


def _through(proxy: CuttableProxy, database_url: str) -> str:
    parsed = make_url(database_url)
    query = {k: v for k, v in parsed.query.items() if k != "host"}
    return parsed.set(host="127.0.0.1", port=proxy.port, query=query).render_as_string(
        hide_password=False
    )


async def test_outage_is_503_quickly_and_recovers_without_restart(
    widget_table: None,
    kernel_settings: KernelSettings,
    database_url: str,
    proxy: CuttableProxy,
    as_user: Callable[[], dict[str, str]],
) -> None:
    settings = kernel_settings.model_copy(
        update={
            "database_url": SecretStr(_through(proxy, database_url)),
            "db_connect_timeout_seconds": 1.0,
        }
    )
    headers = as_user()
    async with running(create_widget_app(settings)) as client:
        assert (
            await client.post("/widgets", json={"name": "before"}, headers=headers)
        ).status_code == 201

        await proxy.cut()
        started = time.monotonic()
        down = await client.post("/widgets", json={"name": "during"}, headers=headers)
        elapsed = time.monotonic() - started
        not_ready = await client.get("/readyz")

        assert down.status_code == 503
        assert down.headers["content-type"] == "application/problem+json"
        assert int(down.headers["retry-after"]) > 0
        # Bounded by the connect timeout, not by a statement timeout or a hung socket.
        assert elapsed < 10
        assert not_ready.status_code == 503

        await proxy.start()
        after = await client.post("/widgets", json={"name": "after"}, headers=headers)
        listed = await client.get("/widgets", headers=headers)

        assert after.status_code == 201
        assert (await client.get("/readyz")).status_code == 200
        names = [item["name"] for item in listed.json()["items"]]
        assert sorted(names) == ["after", "before"]
