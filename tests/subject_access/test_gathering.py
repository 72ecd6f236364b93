"""The gatherer reads a family's record a batch of entries per transaction, never in one long
transaction (the change feeds wait for the oldest transaction open anywhere)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.subject_access.helpers import DPO, all_pages, export, register
from tests.subject_access.world import hours_ago, sar_world
from tests.workbook.conftest import Headers
from tests.workbook.factories import record_entry
from workbook_api.subject_access import repository


async def test_a_long_record_is_gathered_a_batch_per_transaction_and_whole(
    client: httpx.AsyncClient,
    as_: Headers,
    db_engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = await sar_world(client, as_)
    worker = as_(world.social_worker)
    recorded = [
        await record_entry(
            client, worker, world.case["id"], event_at=hours_ago(10 - n), narrative=f"Visit {n}."
        )
        for n in range(7)
    ]
    # The runner runs in this process: batches of three make seven entries three batches.
    monkeypatch.setattr(repository, "ENTRY_BATCH", 3)
    dpo = as_(DPO)
    sar = await register(client, dpo, world.member("Dana"))

    ready = await export(client, dpo, sar["id"])

    items = await all_pages(client, dpo, f"/subject-access/exports/{ready['id']}/items")
    entries = [item for item in items if item["kind"] == "home_visit"]
    assert [item["record_id"] for item in entries] == [entry["id"] for entry in recorded]
    assert [item["position"] for item in items] == list(range(len(items)))
    assert ready["cases_done"] == ready["cases_total"] == 1
    async with db_engine.connect() as connection:
        writes = await connection.scalar(
            text(
                "SELECT count(DISTINCT xmin::text) FROM workbook.subject_access_item"
                " WHERE export_id = :export AND kind = 'home_visit'"
            ),
            {"export": ready["id"]},
        )
    # Each batch's items were written, and committed, by a transaction of its own.
    assert writes == 3
