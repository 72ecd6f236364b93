"""Lookups by external id and by identifier, in bulk: one query per chunk, never one per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Table, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.errors import NotFound
from workbook_api.cases.models import Allocation, Case
from workbook_api.external.models import ExternalId
from workbook_api.families.models import Family, Person, PersonIdentifier
from workbook_api.models import Base

RECORD_COLUMNS: dict[str, Any] = {
    "family": ExternalId.family_id,
    "person": ExternalId.person_id,
    "case": ExternalId.case_id,
    "allocation": ExternalId.allocation_id,
}


def record_column(record_type: str) -> ColumnElement[UUID]:
    """The external id column that points at records of this type."""
    column: ColumnElement[UUID] = RECORD_COLUMNS[record_type]
    return column


async def record_ids_by_keys(
    session: AsyncSession, record_type: str, system: str, keys: Collection[str]
) -> dict[str, UUID]:
    """Which record each of these keys names, for the keys that name one."""
    if not keys:
        return {}
    column = record_column(record_type)
    rows = await session.execute(
        select(ExternalId.value, column).where(
            ExternalId.record_type == record_type,
            ExternalId.system == system,
            ExternalId.value.in_(list(keys)),
        )
    )
    return {value: record_id for value, record_id in rows}


async def keys_of(
    session: AsyncSession, record_type: str, record_ids: Collection[UUID], *, system: str | None
) -> dict[UUID, list[ExternalId]]:
    """The external ids of these records (of one system, or of all), oldest first."""
    if not record_ids:
        return {}
    column = record_column(record_type)
    query = select(ExternalId).where(column.in_(list(record_ids)))
    if system is not None:
        query = query.where(ExternalId.system == system)
    found: dict[UUID, list[ExternalId]] = defaultdict(list)
    for key in await session.scalars(query.order_by(ExternalId.created_at, ExternalId.id)):
        record_id = getattr(key, f"{record_type}_id")
        found[record_id].append(key)
    return found


def table_of(model: type[Base]) -> Table:
    """A model's table, for statements written in bulk below the ORM."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


async def insert_rows(session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert rows (dicts of every column they set, the same in each) in one statement."""
    if rows:
        await session.execute(insert(table_of(model)), rows)


async def add_keys(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert external ids (dicts of ExternalId columns) in one statement."""
    await insert_rows(session, ExternalId, rows)


async def families_by_id(
    session: AsyncSession, family_ids: Collection[UUID], *, lock: bool = False
) -> dict[UUID, Family]:
    """Families by id (locked for the change when asked)."""
    if not family_ids:
        return {}
    query = select(Family).where(Family.id.in_(list(family_ids))).order_by(Family.id)
    if lock:
        query = query.with_for_update(of=Family)
    return {family.id: family for family in await session.scalars(query)}


async def people_by_id(
    session: AsyncSession, person_ids: Collection[UUID], *, lock: bool = False
) -> dict[UUID, tuple[Person, UUID]]:
    """People with their identifiers and their family's owning team (locked when asked)."""
    if not person_ids:
        return {}
    query = (
        select(Person, Family.owning_team_id)
        .join(Family, Family.id == Person.family_id)
        .where(Person.id.in_(list(person_ids)))
        .options(selectinload(Person.identifiers))
        .order_by(Person.id)
    )
    if lock:
        query = query.with_for_update(of=Person)
    return {person.id: (person, team) for person, team in await session.execute(query)}


async def identifier_holders(
    session: AsyncSession, identifiers: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], UUID]:
    """Who holds each of these (system, value) identifiers, for those someone holds."""
    keys = list(set(identifiers))
    if not keys:
        return {}
    rows = await session.execute(
        select(PersonIdentifier.system, PersonIdentifier.value, PersonIdentifier.person_id).where(
            tuple_(PersonIdentifier.system, PersonIdentifier.value).in_(keys)
        )
    )
    return {(system, value): person_id for system, value, person_id in rows}


async def cases_by_id(
    session: AsyncSession, case_ids: Collection[UUID], *, lock: bool = False
) -> dict[UUID, Case]:
    """Cases by id (locked for the change when asked)."""
    if not case_ids:
        return {}
    query = select(Case).where(Case.id.in_(list(case_ids))).order_by(Case.id)
    if lock:
        query = query.with_for_update(of=Case)
    return {case.id: case for case in await session.scalars(query)}


async def open_cases_of(session: AsyncSession, family_ids: Collection[UUID]) -> dict[UUID, Case]:
    """The open case of each of these families that has one (locked: it may be linked)."""
    if not family_ids:
        return {}
    query = (
        select(Case)
        .where(Case.family_id.in_(list(family_ids)), Case.status == "open")
        .order_by(Case.id)
        .with_for_update(of=Case)
    )
    return {case.family_id: case for case in await session.scalars(query)}


async def allocation_or_none(session: AsyncSession, allocation_id: UUID) -> Allocation | None:
    """An allocation by id, locked for the change."""
    found: Allocation | None = await session.scalar(
        select(Allocation).where(Allocation.id == allocation_id).with_for_update()
    )
    return found


async def record_by_key_or_404(
    session: AsyncSession, record_type: str, system: str, key: str
) -> UUID:
    """The id of the record a key names, or a 404 naming the kind of record."""
    found = await record_ids_by_keys(session, record_type, system, [key])
    if key not in found:
        raise NotFound(record_type)
    return found[key]
