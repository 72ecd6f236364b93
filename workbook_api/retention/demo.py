"""A demo legal hold and adoption classification, so the DPO's lists show one of each
(`fsm seed --demo`; idempotent).

Both are on the demo's closed Family Safeguarding case (the Denholm family's): its child was
adopted after the case closed, so the record is kept 100 years from closure, not 35;
`GET /workbook/retention/due?as_of=2130-01-01` shows it due by then, with its hold and the
adoption rule.
"""

from __future__ import annotations

from datetime import date
from typing import Final
from uuid import UUID

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from workbook_api.retention.models import classifications, retention

DEMO_HOLD_ID: Final = UUID("d3a0f5e1-0001-4000-8009-000000000001")
DEMO_CLASSIFICATION_ID: Final = UUID("d3a0f5e1-0001-4000-8009-000000000002")
# A fixed day before any day the demo is seeded on, after the demo child's birth.
DEMO_ADOPTION_ORDER_ON: Final = date(2025, 3, 14)
# Copied from gateway/directory/demo.py (the directory owns it).
DEMO_DPO_ID: Final = UUID("d3a0f5e1-0000-4000-8000-000000000903")
DEMO_DPO_NAME: Final = "Demo Data Protection Officer"


async def seed_demo_retention(session: AsyncSession, case_id: UUID, child_id: UUID) -> None:
    """Hold the demo's closed case, as if a complaint about it were still open, and classify
    it under the adoption rule for its child."""
    await session.execute(
        insert(retention.holds)
        .values(
            id=DEMO_HOLD_ID,
            case_id=case_id,
            reason="Demo: a complaint about this case is still under investigation.",
            placed_by=DEMO_DPO_ID,
            placed_by_name=DEMO_DPO_NAME,
        )
        .on_conflict_do_nothing(index_elements=[retention.holds.c.id])
    )
    await session.execute(
        insert(classifications)
        .values(
            id=DEMO_CLASSIFICATION_ID,
            case_id=case_id,
            person_id=child_id,
            kind="adoption",
            effective_on=DEMO_ADOPTION_ORDER_ON,
            reason="Demo: an adoption order was made for the child; the agency's record of"
            " the case is kept under the Adoption Agencies Regulations 2005 reg. 42.",
            recorded_by=DEMO_DPO_ID,
            recorded_by_name=DEMO_DPO_NAME,
        )
        .on_conflict_do_nothing(index_elements=[classifications.c.id])
    )
