"""The demo families, people and cases as the demo system of record ("mosaic") knows them.

Keys are fixed (DEMO-F0002 is the Brightwell family, DEMO-C0002 its case, DEMO-P00023 its
child Noah), so a person trying the system of record's endpoints can read and upsert them;
rerunning changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from workbook_api.cases.models import Case
from workbook_api.external.models import ExternalId
from workbook_api.families.models import Family, Person

DEMO_SYSTEM = "mosaic"


def _number(record_id: object) -> int:
    # Demo ids end in their number (workbook_api/demo.py: demo_id).
    return int(str(record_id)[-12:])


async def seed_demo_keys(session: AsyncSession) -> None:
    """Give every demo family, person and case its demo key, once."""
    rows = []
    families = await session.execute(
        select(Family.id, Family.created_by_practitioner_id).where(
            Family.name.like("% family (demo)")
        )
    )
    for family_id, creator in families:
        rows.append(_key("family", f"DEMO-F{_number(family_id):04d}", family_id, creator))
        for person_id in await session.scalars(
            select(Person.id).where(Person.family_id == family_id)
        ):
            rows.append(_key("person", f"DEMO-P{_number(person_id):05d}", person_id, creator))
        for case_id in await session.scalars(select(Case.id).where(Case.family_id == family_id)):
            rows.append(_key("case", f"DEMO-C{_number(case_id):04d}", case_id, creator))
    if rows:
        await session.execute(insert(ExternalId).values(rows).on_conflict_do_nothing())


def _key(record_type: str, value: str, record_id: object, creator: object) -> dict[str, object]:
    return {
        "record_type": record_type,
        "system": DEMO_SYSTEM,
        "value": value,
        "family_id": record_id if record_type == "family" else None,
        "person_id": record_id if record_type == "person" else None,
        "case_id": record_id if record_type == "case" else None,
        "allocation_id": None,
        "created_by_practitioner_id": creator,
    }
