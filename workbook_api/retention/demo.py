"""A demo legal hold, so the DPO's holds list shows one (`fsm seed --demo`; idempotent).

The demo's closed case (the Denholm family's) is far from due: `GET /workbook/retention/due
?as_of=2065-01-01` shows it among the cases due by then, with its hold.
"""

from __future__ import annotations

from typing import Final
from uuid import UUID

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from workbook_api.retention.models import retention

DEMO_HOLD_ID: Final = UUID("d3a0f5e1-0001-4000-8009-000000000001")
# Copied from gateway/directory/demo.py (the directory owns it).
DEMO_DPO_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000903")


async def seed_demo_hold(session: AsyncSession, case_id: UUID) -> None:
    """Hold the demo's closed case, as if a complaint about it were still open."""
    await session.execute(
        insert(retention.holds)
        .values(
            id=DEMO_HOLD_ID,
            case_id=case_id,
            reason="Demo: a complaint about this case is still under investigation.",
            placed_by=DEMO_DPO_ID,
            placed_by_name="Demo Data Protection Officer",
        )
        .on_conflict_do_nothing(index_elements=[retention.holds.c.id])
    )
