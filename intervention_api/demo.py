"""Synthetic demo data for the intervention service (`fsm seed --demo`, and `fsm run`).

Each domain seeds its own part in its own function, idempotently.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.assessments.demo import seed_demo_assessments


async def seed_demo(session: AsyncSession) -> None:
    """Seed every domain's demo records that are not there yet."""
    await seed_demo_assessments(session)
