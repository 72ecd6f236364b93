"""A year of synthetic outcome figures for the demo teams, so the report has lines at once.

The demo's early help families are too few for any computed figure to pass the smallest count
(those cells show as withheld, which is what a team that small would see). The figures drawn
are a year of data-matching returns for both demo teams, stored as an upload would store them
(counts of families per team and value) under a source that says they are synthetic; a few
months are small on purpose, so the report shows suppression too. The demo teams get a
locality each. Seeded once: a rerun changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Final
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.outcomes import service as configuration
from pathway_api.outcomes.models import OutcomeImport, OutcomeImportCount
from pathway_api.outcomes.months import month_after, months_back
from pathway_api.outcomes.schemas import SettingsWrite
from services.working_days import local_date

# Copied from gateway/directory/demo.py (it owns them).
TEAM_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000001")
TEAM_SOUTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000002")
SUPPORTING_FAMILIES_OFFICER: Final = UUID("d3a0f5e1-0000-4000-8000-000000000911")
DEMO_SOURCE: Final = "Demo: synthetic data-matching return (no real families)"
LOCALITIES: Final = [
    {"code": "north", "label": "Demo locality North", "team_ids": [str(TEAM_NORTH)]},
    {"code": "south", "label": "Demo locality South", "team_ids": [str(TEAM_SOUTH)]},
]

# dataset: (North's families a year ago, South's, families fewer each month, value per family)
DATASETS: Final[dict[str, tuple[int, int, float, int]]] = {
    "school_absence": (24, 15, 0.8, 6),
    "exclusions": (9, 7, 0.3, 1),
    "eet": (8, 6, -0.4, 1),
    "police_callouts": (16, 11, 0.7, 2),
    "looked_after": (12, 8, 0.4, 1),
    "days_in_care": (12, 8, 0.4, 24),
    "ae_admissions": (14, 9, 0.6, 1),
    "early_years_development": (6, 5, -0.2, 1),
    "emotional_wellbeing": (7, 6, -0.5, 1),
    "stakeholder_satisfaction": (10, 8, -0.3, 1),
}


def demo_id(number: int) -> UUID:
    return UUID(f"d3a0f5e1-0005-4000-8000-{number:012d}")


def _families(start: int, step: float, month: int) -> int:
    # A steady change with a wobble; never negative.
    return max(0, round(start - step * month + (1 if month % 3 == 0 else 0)))


def _counts(families: int, value: int) -> Iterator[tuple[int, int]]:
    """Families split across a value and the one above (so thresholds have something to cut)."""
    higher = families // 3
    if families - higher:
        yield value, families - higher
    if higher:
        yield value + 1, higher


async def seed_outcomes(session: AsyncSession) -> None:
    """The demo's localities and a year of returns, once."""
    settings = await configuration.settings(session)
    placed = {team for item in settings.localities for team in item["team_ids"]}
    if not placed & {str(TEAM_NORTH), str(TEAM_SOUTH)}:
        body = SettingsWrite(
            minimum_cell_count=settings.minimum_cell_count,
            localities=[*settings.localities, *LOCALITIES],
            note="Demo: a locality for each demo team",
        )
        await configuration.publish_settings(session, None, body)
    if await session.scalar(select(OutcomeImport.id).where(OutcomeImport.source == DEMO_SOURCE)):
        await session.flush()
        return
    now = datetime.now(UTC)
    this_month = local_date(now).replace(day=1)
    serial = 0
    for dataset, (north, south, step, value) in DATASETS.items():
        for month in range(12):
            period = months_back(this_month, 11 - month)
            serial += 1
            row = OutcomeImport(
                id=demo_id(serial),
                dataset=dataset,
                period=period,
                source=DEMO_SOURCE,
                rows=0,
                teams=None,
                uploaded_by=SUPPORTING_FAMILIES_OFFICER,
                uploaded_at=min(
                    now, datetime.combine(month_after(period), datetime.min.time(), UTC)
                ),
            )
            counts = [
                (team, counted_value, families)
                for team, start in ((TEAM_NORTH, north), (TEAM_SOUTH, south))
                for counted_value, families in _counts(_families(start, step, month), value)
            ]
            row.rows = sum(families for _, _, families in counts)
            session.add(row)
            await session.flush()
            for team, counted_value, families in counts:
                session.add(
                    OutcomeImportCount(
                        import_id=row.id, team_id=team, value=counted_value, families=families
                    )
                )
    await session.flush()
