"""The chronology CSV export under a busy connection pool: whole files or clean refusals.

A real pool, deliberately small, and a dozen exports at once of a chronology longer than one
export batch. Every answer must be either a complete file (every row, audited as complete) or a
503 before the first byte; never a 200 whose body stops short.
"""

from __future__ import annotations

import asyncio
import csv
import io

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.settings import KernelSettings
from tests.workbook.conftest import Headers
from tests.workbook.factories import audit_rows, case_world, record_entry
from workbook_api.app import create_app
from workbook_api.chronology.service import EXPORT_BATCH

ROWS = 3 * EXPORT_BATCH + 150
CONCURRENT_EXPORTS = 30


async def _copy_entries(engine: AsyncEngine, entry_id: str, copies: int) -> None:
    # Scaffolding: the same significant entry many times over, straight into the table.
    async with engine.begin() as connection:
        columns = (
            await connection.execute(
                text(
                    "SELECT string_agg(quote_ident(column_name), ', ') FROM"
                    " information_schema.columns WHERE table_schema = 'workbook'"
                    " AND table_name = 'entry' AND column_name NOT IN ('id', 'event_at')"
                    " AND is_generated = 'NEVER'"
                )
            )
        ).scalar_one()
        await connection.execute(
            text(
                f"INSERT INTO workbook.entry (id, event_at, {columns})"  # noqa: S608 - catalog names
                f" SELECT gen_random_uuid(), event_at - n * interval '1 minute', {columns}"
                " FROM workbook.entry, generate_series(1, :copies) AS n WHERE id = :id"
            ),
            {"id": entry_id, "copies": copies},
        )


async def test_busy_pool_gives_whole_exports_or_clean_503s(
    client: httpx.AsyncClient,
    as_: Headers,
    kernel_settings: KernelSettings,
    db_engine: AsyncEngine,
) -> None:
    world = await case_world(client, as_)
    sw = as_(world.social_worker)
    entry = await record_entry(client, sw, world.case_id, significant=True)
    await _copy_entries(db_engine, entry["id"], ROWS - 1)

    small_pool = kernel_settings.model_copy(
        update={"db_pool_size": 2, "db_max_overflow": 0, "db_connect_timeout_seconds": 0.25}
    )
    app: FastAPI = create_app(small_pool)
    async with app.router.lifespan_context(app):
        # Errors stay inside the app, as they would behind a real server: a broken stream
        # shows up as a short body, not as an exception in the test.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as busy:
            responses = await asyncio.gather(
                *(
                    busy.get(f"/cases/{world.case_id}/chronology?format=csv", headers=sw)
                    for _ in range(CONCURRENT_EXPORTS)
                )
            )

    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {200, 503}, statuses
    assert 200 in statuses
    refused = [r for r in responses if r.status_code == 503]
    exported = [r for r in responses if r.status_code == 200]
    for response in refused:
        assert response.headers["content-type"] == "application/problem+json"
        assert "retry-after" in response.headers
    row_counts = [len(list(csv.DictReader(io.StringIO(r.text)))) for r in exported]
    assert row_counts == [ROWS] * len(exported), "a 200 export stopped short"
    for response in exported:
        [record] = await audit_rows(db_engine, response)
        assert (record.action, record.outcome) == ("export", "success")
        assert record.details["rows"] == ROWS
        assert record.details["complete"] is True
