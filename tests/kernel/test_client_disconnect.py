"""A client that hangs up cancels its work, through real processes and real sockets.

The widget app (the kernel as the services use it) and the gateway run as uvicorn processes on
the test database; clients here are raw sockets that send a request and close mid-way. Slow
routes tag their `pg_sleep` queries with a marker, so pg_stat_activity shows whether the
database is still working for a request nobody waits for.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from gateway.settings import AUDIENCE_DEFAULT, DEV_ISSUER_DEFAULT
from services.dev_keys import load_dev_keys, mint_dev_access_token
from services.principal import Principal
from services.settings import async_database_url
from tests.gateway.conftest import DirectoryFactory
from tests.support.tcp_proxy import free_port

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WIDGET_FACTORY = "tests.kernel.widget_app:create_widget_app_from_environment"
GATEWAY_FACTORY = "gateway.app:create_app"
RELEASED_WITHIN_SECONDS = 1.0
BUSY_WITH_MARKED_QUERY = text(
    "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
    " AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')"
    " AND query LIKE :pattern"
)


def serve(factory: str, env: dict[str, str], log: Path) -> Iterator[str]:
    """Run `factory` under uvicorn on a free port until the generator is closed."""
    port = free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith("FSM_") and k != "DATABASE_URL"}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "--factory", factory),
                *("--host", "127.0.0.1", "--port", str(port), "--no-access-log"),
            ],
            env={**base, **env},
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def environment(database_url: str, state_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "FSM_STATE_DIR": str(state_dir),
        "FSM_ENVIRONMENT": "test",
        **extra,
    }


@pytest.fixture(scope="module")
def widget_server(
    widget_table: None, database_url: str, state_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The widget app in a uvicorn process of its own."""
    log = tmp_path_factory.mktemp("widget") / "uvicorn.log"
    yield from serve(WIDGET_FACTORY, environment(database_url, state_dir), log)


@pytest.fixture(scope="module")
def gateway_server(
    widget_server: str,
    database_url: str,
    state_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """The gateway in a uvicorn process, routing /supervision to the widget app."""
    log = tmp_path_factory.mktemp("gateway") / "uvicorn.log"
    env = environment(database_url, state_dir, FSM_GATEWAY_UPSTREAM_SUPERVISION=widget_server)
    yield from serve(GATEWAY_FACTORY, env, log)


@pytest.fixture
async def observer(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A connection of the test's own, to watch pg_stat_activity and read what was written."""
    engine = create_async_engine(async_database_url(database_url), poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
async def slow_commits(widget_table: None, database_url: str) -> AsyncIterator[None]:
    """Make committing a widget named slow-commit-* take 1.5 s (a deferred trigger sleeps)."""
    engine = create_async_engine(async_database_url(database_url), poolclass=NullPool)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "CREATE OR REPLACE FUNCTION kernel_test.sleep_on_commit() RETURNS trigger"
                " LANGUAGE plpgsql AS $$ BEGIN"
                " IF NEW.name LIKE 'slow-commit-%' THEN PERFORM pg_sleep(1.5); END IF;"
                " RETURN NULL; END $$"
            )
        )
        await connection.execute(
            text(
                "CREATE CONSTRAINT TRIGGER widget_sleeps_on_commit AFTER INSERT"
                " ON kernel_test.widget DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                " EXECUTE FUNCTION kernel_test.sleep_on_commit()"
            )
        )
    yield
    async with engine.begin() as connection:
        await connection.execute(text("DROP TRIGGER widget_sleeps_on_commit ON kernel_test.widget"))
        await connection.execute(text("DROP FUNCTION kernel_test.sleep_on_commit()"))
    await engine.dispose()


async def busy_with(observer: AsyncEngine, marker: uuid.UUID) -> int:
    """How many backends are running, or holding a transaction open for, a marked query."""
    async with observer.connect() as connection:
        count = await connection.scalar(BUSY_WITH_MARKED_QUERY, {"pattern": f"%{marker}%"})
    return int(count or 0)


async def eventually(condition: Callable[[], Any], within: float, what: str) -> float:
    """Await `condition()` until it is true; return how long that took."""
    started = time.monotonic()
    while not await condition():
        assert time.monotonic() - started < within, f"{what}: not within {within}s"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


def encoded(body: dict[str, Any]) -> bytes:
    """The bytes a retry must repeat exactly (the Idempotency-Key covers the body)."""
    return json.dumps(body, separators=(",", ":")).encode()


async def retried(base_url: str, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    """The same POST /widgets again, byte for byte, as a client retrying with its key."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        return await http.post(
            "/widgets",
            content=encoded(body),
            headers={**headers, "Content-Type": "application/json"},
        )


class HangingClient:
    """A raw HTTP/1.1 client that sends a request, may read a little, then hangs up."""

    def __init__(self, base_url: str) -> None:
        host, port = base_url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(
        self, method: str, path: str, headers: dict[str, str], body: dict[str, Any] | None = None
    ) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        payload = encoded(body) if body is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        await self.writer.drain()

    async def read_until(self, marker: bytes) -> bytes:
        assert self.reader is not None
        return await asyncio.wait_for(self.reader.readuntil(marker), timeout=10)

    def hang_up(self) -> None:
        assert self.writer is not None
        self.writer.close()


def bearer(internal_headers: Callable[[Principal, str], dict[str, str]], who: Principal) -> str:
    return internal_headers(who, "supervision")["Authorization"]


# A handler that queued its audit record before the slow part, and one cancelled inside the
# block that audits it (workbook_api.audit_purpose.audited).
@pytest.mark.parametrize("route", ["/slow/read", "/slow/audited-read"])
async def test_a_read_whose_client_hangs_up_stops_and_is_audited_as_aborted(
    widget_server: str,
    observer: AsyncEngine,
    make_principal: Callable[..., Principal],
    internal_headers: Callable[[Principal, str], dict[str, str]],
    route: str,
) -> None:
    marker = uuid.uuid4()
    request_id = f"hang-up-{marker.hex}"
    client = HangingClient(widget_server)
    await client.send(
        "GET",
        f"{route}?seconds=5&marker={marker}",
        {"Authorization": bearer(internal_headers, make_principal()), "X-Request-ID": request_id},
    )
    await eventually(lambda: _is(busy_with(observer, marker), 1), 5, "the slow read running")

    client.hang_up()

    await eventually(
        lambda: _is(busy_with(observer, marker), 0),
        RELEASED_WITHIN_SECONDS,
        "the database released from the abandoned read",
    )

    async def audited() -> list[tuple[str, str]]:
        async with observer.connect() as connection:
            rows = await connection.execute(
                text("SELECT action, outcome FROM supervision.audit_log WHERE request_id = :id"),
                {"id": request_id},
            )
            return [(row.action, row.outcome) for row in rows]

    await eventually(audited, 5, "the audit record")
    assert await audited() == [("read", "aborted")]


async def test_a_write_whose_client_hangs_up_is_rolled_back_and_its_key_stays_free(
    widget_server: str,
    observer: AsyncEngine,
    make_principal: Callable[..., Principal],
    internal_headers: Callable[[Principal, str], dict[str, str]],
) -> None:
    name = f"abandoned-{uuid.uuid4()}"
    headers = {
        "Authorization": bearer(internal_headers, make_principal()),
        "Idempotency-Key": str(uuid.uuid4()),
    }
    client = HangingClient(widget_server)
    sent = time.monotonic()
    # The handler inserts, then lingers 1.5 s before its unit of work would commit.
    body = {"name": name, "delay_seconds": 1.5}
    await client.send("POST", "/widgets", headers, body)
    await asyncio.sleep(0.5)

    client.hang_up()

    # Past the moment the abandoned request would have committed.
    await asyncio.sleep(max(0.0, 2.0 - (time.monotonic() - sent)))
    assert await widgets_named(observer, name) == 0
    retry = await retried(widget_server, body, headers)
    assert retry.status_code == 201, retry.text
    assert "idempotent-replayed" not in retry.headers  # nothing was stored under the key
    assert await widgets_named(observer, name) == 1


async def test_a_request_whose_commit_has_begun_finishes_and_is_replayed(
    widget_server: str,
    slow_commits: None,
    observer: AsyncEngine,
    make_principal: Callable[..., Principal],
    internal_headers: Callable[[Principal, str], dict[str, str]],
) -> None:
    name = f"slow-commit-{uuid.uuid4()}"
    headers = {
        "Authorization": bearer(internal_headers, make_principal()),
        "Idempotency-Key": str(uuid.uuid4()),
    }
    body = {"name": name}
    client = HangingClient(widget_server)
    await client.send("POST", "/widgets", headers, body)

    async def committing() -> bool:
        async with observer.connect() as connection:
            waiting = await connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                    " AND query LIKE 'COMMIT%' AND wait_event = 'PgSleep'"
                )
            )
        return bool(waiting)

    await eventually(committing, 5, "the commit under way")
    client.hang_up()

    await eventually(lambda: _is(widgets_named(observer, name), 1), 5, "the commit to land")
    retry = await retried(widget_server, body, headers)
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert await widgets_named(observer, name) == 1


async def test_a_stream_through_the_gateway_stops_reading_when_its_client_goes(
    gateway_server: str, observer: AsyncEngine, state_dir: Path
) -> None:
    directory = DirectoryFactory(async_sessionmaker(observer, expire_on_commit=False))
    person = await directory.practitioner(teams=[await directory.team()])
    token = mint_dev_access_token(
        load_dev_keys(state_dir),
        subject=person.subject,
        issuer=DEV_ISSUER_DEFAULT,
        audience=AUDIENCE_DEFAULT,
    )
    marker = uuid.uuid4()
    client = HangingClient(gateway_server)
    await client.send(
        "GET",
        f"/supervision/slow/stream?seconds=0.2&chunks=40&marker={marker}",
        {"Authorization": f"Bearer {token}"},
    )
    await client.read_until(b"chunk 0\n")  # the export is under way

    client.hang_up()

    await asyncio.sleep(RELEASED_WITHIN_SECONDS)
    # Left alone, the stream would go on for 8 s, a marked query running nearly all the time.
    samples = []
    for _ in range(20):
        samples.append(await busy_with(observer, marker))
        await asyncio.sleep(0.05)
    assert samples == [0] * len(samples)


async def widgets_named(observer: AsyncEngine, name: str) -> int:
    async with observer.connect() as connection:
        count = await connection.scalar(
            text("SELECT count(*) FROM kernel_test.widget WHERE name = :name"), {"name": name}
        )
    return int(count or 0)


async def _is(pending: Any, expected: int) -> bool:
    return bool(await pending == expected)
