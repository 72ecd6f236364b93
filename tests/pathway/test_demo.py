"""The pathway's demo: families at each stage, on the workbook demo's early help cases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from pathway_api import demo
from pathway_api.claims import demo as claims_demo
from workbook_api import demo as workbook_demo


def test_the_demo_names_the_workbooks_early_help_cases() -> None:
    assert demo.SOCIAL_WORKER_NORTH == workbook_demo.SOCIAL_WORKER_NORTH
    assert demo.MANAGER_NORTH == workbook_demo.MANAGER_NORTH
    early_help = {
        spec.number: (
            workbook_demo.demo_id(3, spec.number)
            if spec.kind == "early_help"
            else workbook_demo.early_help_case_id(spec.number)
        )
        for spec in workbook_demo._families(date.today())
        if spec.kind == "early_help" or spec.early_help is not None
    }
    seeded = {family: demo.early_help_case(family) for family, _ in demo.FAMILIES}
    seeded.update({family: claims_demo.case_of(family) for family in claims_demo.FAMILIES})
    assert seeded == early_help


async def test_the_demo_seeds_each_stage_once(db_engine: AsyncEngine) -> None:
    for _ in range(2):
        async with AsyncSession(db_engine, expire_on_commit=False) as session, session.begin():
            await workbook_demo.seed_demo(session)
            await demo.seed_demo(session)
    ids = [str(demo.early_help_case(family)) for family, _ in demo.FAMILIES]
    async with db_engine.connect() as connection:
        stages: dict[str, str] = dict(
            (
                await connection.execute(
                    text(
                        "SELECT case_id::text, stage FROM pathway.involvement"
                        " WHERE case_id::text = ANY(:ids)"
                    ),
                    {"ids": ids},
                )
            ).all()
        )
        kinds: dict[str, str] = dict(
            (
                await connection.execute(
                    text(
                        "SELECT id::text, kind || ':' || status FROM workbook.safeguarding_case"
                        " WHERE id::text = ANY(:ids)"
                    ),
                    {"ids": ids},
                )
            ).all()
        )
        # Captured for the change feed as they were seeded.
        logged = set(
            await connection.scalars(
                text(
                    "SELECT DISTINCT scope_id::text FROM pathway.change_log"
                    " WHERE kind = 'involvement' AND scope_id::text = ANY(:ids)"
                ),
                {"ids": ids},
            )
        )
    assert logged == set(ids)
    assert [stages[case] for case in ids] == ["consent", "do", "plan", "closed"]
    assert [kinds[case] for case in ids] == [
        "early_help:open",
        "early_help:open",
        "early_help:open",
        "early_help:closed",
    ]
