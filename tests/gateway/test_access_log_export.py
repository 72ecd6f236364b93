"""The access log's CSV export streams: it starts before the units have been read to the end,
reads every row once, a page per unit at a time, and writes formula-like cells as text."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import anyio
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.registry import BACKENDS
from services.settings import KernelSettings
from tests.access_matrix.stack import build_app
from tests.gateway.conftest import DirectoryFactory, Person, SettingsFactory, open_gateway
from tests.support.tcp_proxy import free_port

Auth = Callable[[str], dict[str, str]]
# Rows seeded in each unit's log (schema) for the test's own purpose.
SEEDED = {"workbook": 1500, "supervision": 700, "directory": 450}
FORMULA = '=HYPERLINK("https://evil.example","open")'


@pytest.fixture
async def gateway_app(
    gateway_settings: SettingsFactory, kernel_settings: KernelSettings
) -> AsyncIterator[FastAPI]:
    backends = {unit.name: build_app(unit, kernel_settings) for unit in BACKENDS}
    async with open_gateway(gateway_settings(), backends) as (app, _):
        yield app


async def seed(engine: AsyncEngine, purpose: str, mine: Person, other: Person) -> None:
    """Rows a second apart, interleaved across units, half of them `mine`'s; every 100th
    names a resource with a spreadsheet formula."""
    async with engine.begin() as connection:
        for offset, (schema, count) in enumerate(SEEDED.items()):
            await connection.execute(
                text(
                    f"INSERT INTO {schema}.audit_log (id, occurred_at, actor_subject,"  # noqa: S608
                    " actor_practitioner_id, action, resource_type, resource_id, purpose,"
                    " outcome, request_id)"
                    " SELECT gen_random_uuid(), now() - make_interval(secs => n * 3 + :offset),"
                    " CASE WHEN n % 2 = 0 THEN :mine_subject ELSE :other_subject END,"
                    " CASE WHEN n % 2 = 0 THEN CAST(:mine AS uuid) ELSE CAST(:other AS uuid) END,"
                    " 'read', 'case',"
                    " CASE WHEN n % 100 = 0 THEN :formula ELSE n::text END, :purpose,"
                    " 'success', 'seeded' FROM generate_series(1, :count) AS n"
                ),
                {
                    "offset": offset,
                    "mine_subject": mine.subject,
                    "other_subject": other.subject,
                    "mine": mine.id,
                    "other": other.id,
                    "formula": FORMULA,
                    "purpose": purpose,
                    "count": count,
                },
            )


@dataclass
class Streamed:
    """A response as the server sent it, message by message."""

    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)

    @property
    def records(self) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(b"".join(self.chunks).decode())))


async def stream(
    app: FastAPI,
    path: str,
    params: Mapping[str, str],
    headers: Mapping[str, str],
    on_first_chunk: Callable[[Streamed], Awaitable[None]],
) -> Streamed:
    """GET through the app's ASGI interface, seeing each body message as it is sent (an
    in-memory client would only show the whole body once it ended)."""
    answer = Streamed()
    finished = anyio.Event()
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            if message.get("body"):
                answer.chunks.append(message["body"])
                if len(answer.chunks) == 1:
                    await on_first_chunk(answer)
            if not message.get("more_body"):
                finished.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": urlencode(params).encode(),
        "headers": [(b"host", b"gateway.test")]
        + [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": ("203.0.113.9", 40000),
        "server": ("gateway.test", 80),
    }
    await app(scope, receive, send)
    return answer


async def unit_reads(engine: AsyncEngine, schema: str, request_id: str) -> list[int]:
    """The rows a unit gave the gateway for one request, page by page."""
    async with engine.connect() as connection:
        counts = await connection.scalars(
            text(
                f"SELECT (details->>'count')::int FROM {schema}.audit_log"  # noqa: S608
                " WHERE request_id = :rid AND resource_type IN ('access_log', 'own_access_log')"
                " AND action = 'read' ORDER BY position"
            ),
            {"rid": request_id},
        )
        return list(counts)


async def test_a_large_export_streams_reading_every_row_once(
    gateway_app: FastAPI,
    auth: Auth,
    directory: DirectoryFactory,
    directory_engine: AsyncEngine,
) -> None:
    dpo = await directory.practitioner(roles=("dpo",), discipline="business_support")
    mine, other = await directory.practitioner(), await directory.practitioner()
    purpose = f"export_test_{uuid.uuid4().hex[:8]}"
    await seed(directory_engine, purpose, mine, other)
    reads_at_first_chunk: list[int] = []

    async def first_chunk(answer: Streamed) -> None:
        rid = answer.headers["x-request-id"]
        reads_at_first_chunk.extend(await unit_reads(directory_engine, "workbook", rid))

    answer = await stream(
        gateway_app, "/access-log/export", {"purpose": purpose}, auth(dpo.subject), first_chunk
    )

    assert answer.status == 200, answer.chunks
    assert answer.headers["content-type"].startswith("text/csv")
    total = sum(SEEDED.values())
    records = answer.records
    assert len(records) == total
    # Newest first across the units, as the JSON listing orders them.
    instants = [record["occurred_at"] for record in records]
    assert instants == sorted(instants, reverse=True)
    assert {record["unit"] for record in records} == {"workbook", "supervision", "gateway"}
    # The response began when the workbook had given one page, and went on as it gave more,
    # in several writes, never a page more than it needed.
    reads = await unit_reads(directory_engine, "workbook", answer.headers["x-request-id"])
    assert reads_at_first_chunk == [200]
    assert len(reads) == 8
    assert sum(reads) == SEEDED["workbook"]
    assert len(answer.chunks) > total // 500
    # Formula-like cells are written as text.
    formulas = [record["resource_id"] for record in records if "HYPERLINK" in record["resource_id"]]
    assert len(formulas) == sum(count // 100 for count in SEEDED.values())
    assert set(formulas) == {"'" + FORMULA}
    # The export is audited when it ends, with what it wrote.
    async with directory_engine.connect() as connection:
        audited = (
            await connection.execute(
                text(
                    "SELECT outcome, details FROM directory.audit_log WHERE request_id = :rid"
                    " AND action = 'export'"
                ),
                {"rid": answer.headers["x-request-id"]},
            )
        ).one()
    assert audited.outcome == "success"
    assert audited.details["rows"] == total
    assert audited.details["complete"] is True
    assert audited.details["filters"] == {"purpose": purpose}


async def test_my_export_holds_my_own_history_only(
    gateway_app: FastAPI,
    auth: Auth,
    directory: DirectoryFactory,
    directory_engine: AsyncEngine,
) -> None:
    mine, other = await directory.practitioner(), await directory.practitioner()
    purpose = f"export_test_{uuid.uuid4().hex[:8]}"
    await seed(directory_engine, purpose, mine, other)

    async def nothing(_: Streamed) -> None:
        return None

    answer = await stream(
        gateway_app, "/me/access-log/export", {"purpose": purpose}, auth(mine.subject), nothing
    )
    refused = await stream(
        gateway_app, "/access-log/export", {"purpose": purpose}, auth(mine.subject), nothing
    )

    assert answer.status == 200
    records = answer.records
    assert len(records) == sum(count // 2 for count in SEEDED.values())
    assert {record["actor_practitioner_id"] for record in records} == {str(mine.id)}
    assert refused.status == 403


async def test_an_export_is_refused_before_it_starts_when_a_unit_cannot_answer(
    gateway_settings: SettingsFactory,
    kernel_settings: KernelSettings,
    auth: Auth,
    directory: DirectoryFactory,
) -> None:
    dpo = await directory.practitioner(roles=("dpo",), discipline="business_support")
    backends = {
        unit.name: build_app(unit, kernel_settings) for unit in BACKENDS if unit.name != "pathway"
    }
    settings = gateway_settings(gateway_upstream_pathway=f"http://127.0.0.1:{free_port()}")
    async with open_gateway(settings, backends) as (_, client):
        response = await client.get("/access-log/export", headers=auth(dpo.subject))

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "pathway" in response.json()["detail"]
