"""Two workers amending the same entry from the same ETag: exactly one wins, the other gets 412."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.settings import KernelSettings
from tests.conftest import running
from tests.workbook.conftest import Headers
from tests.workbook.factories import case_world, if_match, record_entry
from workbook_api.app import create_app


async def test_concurrent_amendments_with_one_etag_have_one_winner(
    kernel_settings: KernelSettings, as_: Headers, db_engine: AsyncEngine
) -> None:
    app = create_app(kernel_settings)
    async with (
        running(app) as author_client,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as manager_client,
    ):
        for _ in range(5):
            world = await case_world(author_client, as_)
            entry = await record_entry(author_client, as_(world.social_worker), world.case_id)
            url = f"/cases/{world.case_id}/entries/{entry['id']}/amendments"
            author, manager = await asyncio.gather(
                author_client.post(
                    url,
                    json={"reason": "Author correction", "narrative": "Author's version"},
                    headers=if_match(as_(world.social_worker), entry["etag"]),
                ),
                manager_client.post(
                    url,
                    json={"reason": "Manager correction", "narrative": "Manager's version"},
                    headers=if_match(as_(world.manager), entry["etag"]),
                ),
            )
            statuses = sorted([author.status_code, manager.status_code])
            assert statuses == [200, 412], (author.text, manager.text)
            winner = author if author.status_code == 200 else manager
            async with db_engine.connect() as connection:
                revisions = (
                    await connection.execute(
                        text(
                            "SELECT revision, narrative FROM workbook.entry_revision"
                            " WHERE entry_id = :id ORDER BY revision"
                        ),
                        {"id": entry["id"]},
                    )
                ).all()
                amended_events = await connection.scalar(
                    text(
                        "SELECT count(*) FROM workbook.outbox_event"
                        " WHERE subject = :s AND type LIKE '%.amended'"
                    ),
                    {"s": f"cases/{world.case_id}/entries/{entry['id']}"},
                )
            assert [r.revision for r in revisions] == [1, 2]
            assert revisions[1].narrative == winner.json()["narrative"]
            assert amended_events == 1
