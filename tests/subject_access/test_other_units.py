"""What another unit holds about the family reaches the export, read as the DPO, and is
marked like the workbook's own records (the pathway's consent and lifecycle here)."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.subject_access.helpers import DPO, all_pages, export, register
from tests.subject_access.world import sar_world
from tests.workbook.conftest import Headers

# The pathway's own records of an early help involvement, as its workflow would have written
# them (the pathway's tests drive that workflow; here only what the export reads matters).
PATHWAY_RECORDS = (
    "INSERT INTO pathway.involvement (case_id, family_id, stage, stage_changed_at,"
    " step_up_prompted, version)"
    " VALUES (:case, :family, 'consent', now(), false, 1)",
    "INSERT INTO pathway.stage_change (id, case_id, from_stage, to_stage, reason, changed_by,"
    " changed_at) VALUES (:change, :case, 'identified', 'consent',"
    " 'Referral from Pat Fenwick, a neighbour, about the children', :worker, now())",
    "INSERT INTO pathway.consent (id, case_id, person_id, member_name, form, scopes, given_on,"
    " recorded_by, recorded_at) VALUES (:consent, :case, :lee, 'Lee Whitfield', 'written',"
    " ARRAY['share_information'], current_date, :worker, now())",
)


async def test_the_pathways_records_are_gathered_and_marked(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world = await sar_world(client, as_)
    values = {
        "case": world.case["id"],
        "family": world.family["id"],
        "change": str(uuid.uuid4()),
        "consent": str(uuid.uuid4()),
        "lee": world.member("Lee"),
        "worker": str(world.social_worker.practitioner_id),
    }
    async with db_engine.begin() as connection:
        for statement in PATHWAY_RECORDS:
            await connection.execute(text(statement), values)
    dpo = as_(DPO)
    sar = await register(client, dpo, world.member("Dana"))
    ready = await export(client, dpo, sar["id"])
    base = f"/subject-access/exports/{ready['id']}"
    items = await all_pages(client, dpo, f"{base}/items")
    from_pathway = {item["kind"]: item for item in items if item["unit"] == "pathway"}
    assert set(from_pathway) == {"involvement", "stage_change", "consent"}
    assert from_pathway["consent"]["case_id"] == world.case["id"]
    marks = {
        (r["item_id"], r["text"], r["reason"])
        for r in await all_pages(client, dpo, f"{base}/redactions")
    }
    assert (from_pathway["consent"]["id"], "Lee Whitfield", "family_member") in marks
    assert (from_pathway["stage_change"]["id"], "Pat Fenwick", "member_of_public") in marks
