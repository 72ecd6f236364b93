"""The claims' demo: two families claimed in a sampled batch, one ready, one not (and why)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pathway_api import demo
from pathway_api.claims import demo as claims_demo
from services.event_contracts import EARLY_HELP
from tests.pathway.claim_factories import SUPPORTING_FAMILIES
from tests.pathway.conftest import Headers
from tests.projection.factories import allocation_snapshot, announce, case_snapshot
from workbook_api import demo as workbook_demo


async def test_the_claims_demo_shows_ready_claimed_sampled_and_not_ready_families(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    for _ in range(2):
        async with AsyncSession(db_engine, expire_on_commit=False) as session, session.begin():
            await workbook_demo.seed_demo(session)
            await demo.seed_demo(session)
    # The pathway learns the workbook's cases from its events: delivered here as its relay would.
    now = datetime.now(UTC)
    for number, (team, lead, *_) in claims_demo.FAMILIES.items():
        case = case_snapshot(
            team,
            case_id=claims_demo.case_of(number),
            family_id=claims_demo.workbook_demo_id(1, number),
            kind=EARLY_HELP,
            status="closed",
            opened_at=now - timedelta(days=420),
            closed_at=now - timedelta(days=300),
            version=50,
        )
        allocation = allocation_snapshot(
            case, lead, is_allocated_social_worker=True, ends_at=case.closed_at, version=50
        )
        await announce(client, case, allocation)

    def readiness(number: int) -> str:
        return f"/cases/{claims_demo.case_of(number)}/claim-readiness"

    sf = as_(SUPPORTING_FAMILIES)
    ingleby = (await client.get(readiness(9), headers=sf)).json()
    assert (ingleby["ready"], ingleby["claim_id"]) == (True, None)
    juniper = (await client.get(readiness(10), headers=sf)).json()
    assert juniper["ready"] is False
    assert {c["code"]: c["missing"] for c in juniper["criteria"] if not c["met"]} == {
        "smart_targets": ["No SMART target for the identified need in housing (housing)."]
    }
    greyfriars = (await client.get(readiness(7), headers=sf)).json()
    assert greyfriars["ready"] is True
    assert greyfriars["claim_id"] is not None

    async with db_engine.connect() as connection:
        batch = (
            await connection.execute(
                text("SELECT id, status, sample_seed FROM pathway.claim_batch WHERE id = :id"),
                {"id": claims_demo.claims_demo_id(1)},
            )
        ).one()
    assert (batch.status, batch.sample_seed) == ("open", claims_demo.SEED)
    sample = (await client.get(f"/claims/batches/{batch.id}/sample", headers=sf)).json()
    assert sample["redraw_matches"] is True
    assert len(sample["claims"]) == 2
    claims = (await client.get(f"/claims?batch_id={batch.id}", headers=sf)).json()
    assert sorted(c["status"] for c in claims) == ["accepted", "claimed"]
    assert all(all(c["met"] for c in claim["evidence"]["criteria"]) for claim in claims)
