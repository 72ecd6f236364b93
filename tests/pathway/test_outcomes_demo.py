"""The outcomes demo: a year of returns for the demo teams, a locality each, seeded once."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from gateway.directory import demo as directory_demo
from pathway_api import demo
from pathway_api.outcomes import demo as outcomes_demo
from pathway_api.outcomes.models import OutcomeImport
from tests.pathway.conftest import Headers
from tests.pathway.outcomes_factories import COUNCIL, series
from tests.workbook.factories import manager_of

pytestmark = pytest.mark.usefixtures("outcome_defaults")


def test_the_demo_names_the_directorys_teams_and_officer() -> None:
    assert outcomes_demo.TEAM_NORTH == directory_demo.DEMO_TEAM_NORTH_ID
    assert outcomes_demo.TEAM_SOUTH == directory_demo.DEMO_TEAM_SOUTH_ID
    officer = directory_demo.DEMO_SUPPORTING_FAMILIES_ID
    assert officer == outcomes_demo.SUPPORTING_FAMILIES_OFFICER
    roles = {p.id: p.roles for p in directory_demo.DEMO_PRACTITIONERS}
    assert roles[officer] == ("supporting_families",)


async def test_a_year_of_figures_is_seeded_once(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    for _ in range(2):
        async with AsyncSession(db_engine, expire_on_commit=False) as session, session.begin():
            await demo.seed_demo(session)
    async with AsyncSession(db_engine) as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(OutcomeImport)
            .where(OutcomeImport.source == outcomes_demo.DEMO_SOURCE)
        )
    assert stored == 12 * len(outcomes_demo.DATASETS)

    north = manager_of(outcomes_demo.TEAM_NORTH)
    response = await client.get("/outcomes/figures", headers=as_(north))
    assert response.status_code == 200, response.text
    figures: dict[str, Any] = response.json()
    assert len(figures["months"]) == 12
    row = series(figures, "school_absence", str(outcomes_demo.TEAM_NORTH))
    shown = [cell for cell in row["cells"] if cell["status"] == "shown"]
    assert len(shown) == 12
    assert all(outcomes_demo.DEMO_SOURCE in cell["source"] for cell in shown)
    assert row["trend"]["better"] is True
    # The council's view has the demo localities; a small month is withheld somewhere.
    council = (await client.get("/outcomes/figures", headers=as_(COUNCIL))).json()
    keys = {s["key"] for m in council["measures"] for s in m["series"]}
    assert {"north", "south", "council"} <= keys
    statuses = {
        c["status"]
        for m in council["measures"]
        for s in m["series"]
        if s["key"] == str(outcomes_demo.TEAM_SOUTH)
        for c in s["cells"]
    }
    assert {"shown", "suppressed"} <= statuses
