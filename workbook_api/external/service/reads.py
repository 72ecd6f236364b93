"""Records as upserts answer with them: the API's own read shape, with their external ids."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.errors import NotFound
from workbook_api.cases.models import Allocation, Case
from workbook_api.external import repository
from workbook_api.external.schemas import (
    ExternalAllocationRead,
    ExternalCaseRead,
    ExternalFamilyRead,
    ExternalIdRead,
    ExternalMemberRead,
)
from workbook_api.families.models import Family, Person

_FRESH = {"populate_existing": True}


async def _keys(session: AsyncSession, record_type: str, record_id: UUID) -> list[ExternalIdRead]:
    keys = await repository.keys_of(session, record_type, [record_id], system=None)
    return [ExternalIdRead.of(key) for key in keys.get(record_id, [])]


async def family_read(session: AsyncSession, family_id: UUID) -> ExternalFamilyRead:
    """A family and its keys."""
    family = await session.scalar(
        select(Family).where(Family.id == family_id).execution_options(**_FRESH)
    )
    if family is None:
        raise NotFound("family")
    return ExternalFamilyRead.of(family, external_ids=await _keys(session, "family", family_id))


async def person_read(session: AsyncSession, person_id: UUID) -> ExternalMemberRead:
    """A person with their identifiers and keys."""
    person = await session.scalar(
        select(Person)
        .where(Person.id == person_id)
        .options(selectinload(Person.identifiers))
        .execution_options(**_FRESH)
    )
    if person is None:
        raise NotFound("person")
    return ExternalMemberRead.of(person, external_ids=await _keys(session, "person", person_id))


async def case_read(session: AsyncSession, case_id: UUID) -> ExternalCaseRead:
    """A case with its family's name and its keys."""
    row = (
        await session.execute(
            select(Case, Family.name)
            .join(Family, Family.id == Case.family_id)
            .where(Case.id == case_id)
            .execution_options(**_FRESH)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("case")
    case, family_name = row
    return ExternalCaseRead.of(
        case, family_name=family_name, external_ids=await _keys(session, "case", case_id)
    )


async def allocation_read(session: AsyncSession, allocation_id: UUID) -> ExternalAllocationRead:
    """An allocation and its keys."""
    allocation = await session.scalar(
        select(Allocation).where(Allocation.id == allocation_id).execution_options(**_FRESH)
    )
    if allocation is None:
        raise NotFound("allocation")
    return ExternalAllocationRead.of(
        allocation, external_ids=await _keys(session, "allocation", allocation_id)
    )
