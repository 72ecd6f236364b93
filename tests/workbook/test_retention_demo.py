"""The demo's closed Family Safeguarding case (the Denholm family's) is held and classified
under the adoption rule, so the DPO sees both: kept 100 years, not 35."""

from __future__ import annotations

from datetime import date

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.workbook.factories import Headers
from tests.workbook.test_retention_classifications import dpo, due_by
from workbook_api.demo import demo_id, seed_demo
from workbook_api.retention.demo import DEMO_ADOPTION_ORDER_ON, DEMO_CLASSIFICATION_ID

DENHOLM_CASE = str(demo_id(3, 4))
ELLIS = str(demo_id(2, 42))


async def test_the_demo_shows_an_adopted_childs_case_kept_under_the_adoption_rule(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    for _ in range(2):  # idempotent
        async with AsyncSession(db_engine, expire_on_commit=False) as session, session.begin():
            await seed_demo(session)

    listed = await client.get(f"/retention/cases/{DENHOLM_CASE}/classifications", headers=dpo(as_))
    after_35_years = await due_by(client, as_, date(date.today().year + 36, 1, 1))
    after_100_years = await due_by(client, as_, date(date.today().year + 101, 1, 1))

    assert listed.status_code == 200, listed.text
    [shown] = listed.json()["items"]
    assert shown["id"] == str(DEMO_CLASSIFICATION_ID)
    assert (shown["kind"], shown["person_id"], shown["standing"]) == ("adoption", ELLIS, True)
    assert shown["effective_on"] == DEMO_ADOPTION_ORDER_ON.isoformat()
    assert DENHOLM_CASE not in after_35_years
    assert after_100_years[DENHOLM_CASE]["rule"] == "adoption"
    assert after_100_years[DENHOLM_CASE]["on_hold"] is True
