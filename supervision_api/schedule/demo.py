"""Team North's recurring GCS slots and an absence, so a proposal shows at once.

Two weekly slots (Tuesday morning, Thursday afternoon) and the mental health practitioner
away for the coming week: Brightwell, due its fortnightly GCS within days, cannot meet on time
without them, and a proposal says so, naming them and each day. Ids are fixed: nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Final
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.working_days import LONDON
from supervision_api.schedule.models import Absence, MeetingSlot

TEAM_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000001")
MANAGER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000101")
MENTAL_HEALTH_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000105")


def demo_id(kind: int, number: int) -> UUID:
    """A fixed schedule demo id: kind 1 slot, 2 absence."""
    return UUID(f"d3a0f5e1-0002-4000-9{kind:03d}-{number:012d}")


async def seed_schedule(session: AsyncSession) -> None:
    """Team North's slots and an absence, once."""
    if await session.get(MeetingSlot, demo_id(1, 1)) is not None:
        return
    today = datetime.now(UTC).astimezone(LONDON).date()
    for number, weekday, starts in ((1, 1, time(10)), (2, 3, time(14))):
        session.add(
            MeetingSlot(
                id=demo_id(1, number),
                team_id=TEAM_NORTH,
                weekday=weekday,
                starts_at=starts,
                duration_minutes=90,
                place="Team North, meeting room 1 (demo)",
                capacity=4,
                valid_from=today - timedelta(days=90),
                created_by=MANAGER_NORTH,
            )
        )
    session.add(
        Absence(
            id=demo_id(2, 1),
            practitioner_id=MENTAL_HEALTH_NORTH,
            first_day=today + timedelta(days=1),
            last_day=today + timedelta(days=7),
            recorded_by=MENTAL_HEALTH_NORTH,
        )
    )
    await session.flush()
