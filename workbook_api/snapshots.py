"""What the workbook restates to a unit catching up (`fsm events catch-up --to <unit>`).

Every case and every allocation as it now stands, with its version: the subscriber keeps what
is newer than what it holds (services/projection/catch_up.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.event_contracts import RESTATED
from services.projection import Announcement
from workbook_api.cases.events import allocation_announcement, case_announcement
from workbook_api.cases.models import Allocation, Case, Episode

# Rows fetched per round trip while streaming: memory stays flat however many cases there are.
STREAM_BATCH = 500


async def restatements(session: AsyncSession) -> AsyncIterator[Announcement]:
    """Every case, then every allocation, as it stands."""
    latest_episode = (
        select(func.max(Episode.number)).where(Episode.case_id == Case.id).scalar_subquery()
    )
    cases = await session.stream(
        select(Case, latest_episode).order_by(Case.id).execution_options(yield_per=STREAM_BATCH)
    )
    async for case, episode_number in cases:
        yield case_announcement(case, episode_number, RESTATED)
    allocations = await session.stream(
        select(Allocation, Case.owning_team_id)
        .join(Case, Case.id == Allocation.case_id)
        .order_by(Allocation.id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    async for allocation, owning_team_id in allocations:
        yield allocation_announcement(owning_team_id, allocation, RESTATED)
