"""The demo's subject access request (Casey Brightwell's): the other parent's restricted
session detail and the neighbour named in a note are proposed for redaction; the social
worker's name is not."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.subject_access.helpers import DPO, all_pages, export
from tests.workbook.conftest import Headers
from workbook_api.demo import seed_demo
from workbook_api.subject_access.demo import (
    DEMO_REQUEST_ID,
    DRAFT_NOTE,
    WITHDRAWN_NOTE,
    WITHDRAWN_REASON,
)

DRAFT = {"label": "Record", "text": DRAFT_NOTE}


async def test_the_demo_request_withholds_jordan_and_the_neighbour(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    for _ in range(2):
        async with AsyncSession(db_engine, expire_on_commit=False) as session, session.begin():
            await seed_demo(session)
    dpo = as_(DPO)
    request = (await client.get(f"/subject-access/requests/{DEMO_REQUEST_ID}", headers=dpo)).json()
    assert request["requester_name"] == "Casey Brightwell"
    ready = await export(client, dpo, str(DEMO_REQUEST_ID))
    proposed = await all_pages(client, dpo, f"/subject-access/exports/{ready['id']}/redactions")
    found = {(r["reason"], r["text"]) for r in proposed}
    assert ("member_of_public", "Alex Carrow") in found
    assert ("family_member", "Jordan") in found
    assert (
        "other_persons_restricted_detail",
        "Demo: Jordan talked about a lapse after a family funeral.",
    ) in found
    assert not any("Demo Social Worker" in r["text"] or r["text"] == "Casey" for r in proposed)
    # Everything held is gathered: the withdrawn note, proposed whole, and the draft, labelled.
    assert ("withdrawn_in_error", WITHDRAWN_NOTE) in found
    items = await all_pages(client, dpo, f"/subject-access/exports/{ready['id']}/items")
    drafts = [item["sections"] for item in items if item["record_status"] == "draft"]
    assert [{"label": "Status", "text": "Draft: not part of the record yet."}, DRAFT] in drafts
    [withdrawn] = [item["sections"] for item in items if item["record_status"] == "withdrawn"]
    assert withdrawn[0]["text"].endswith(f"Reason: {WITHDRAWN_REASON}")
