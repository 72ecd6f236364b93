"""Level decisions of a family, in the order they were taken."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.levels.models import LevelDecision


async def history(session: AsyncSession, family_id: UUID) -> Sequence[LevelDecision]:
    """Every decision on the family and its children, oldest first.

    A family's level follows it across its cases (early help and Family Safeguarding): the
    caller already sees the case the family was reached through.
    """
    rows = await session.scalars(
        select(LevelDecision)
        .where(LevelDecision.family_id == family_id)
        .order_by(LevelDecision.decided_at, LevelDecision.id)
    )
    return rows.all()
