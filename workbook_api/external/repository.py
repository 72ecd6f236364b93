"""Lookups by external id and by identifier, in bulk: one query per chunk, never one per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from operator import itemgetter
from typing import Any, cast
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Table,
    Text,
    Uuid,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.types import TypeEngine

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
            ExternalId.value == any_(text_array(keys)),
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
    query = select(ExternalId).where(column == any_(uuid_array(record_ids)))
    if system is not None:
        query = query.where(ExternalId.system == system)
    found: dict[UUID, list[ExternalId]] = defaultdict(list)
    for key in await session.scalars(
        query.order_by(ExternalId.created_at, ExternalId.system, ExternalId.value)
    ):
        record_id = getattr(key, f"{record_type}_id")
        found[record_id].append(key)
    return found


# ARRAY(Text) holds lists of str; SQLAlchemy's stubs type it by the element.
_TEXT_ARRAY = cast("TypeEngine[list[str]]", ARRAY(Text))


_UUID_ARRAY = cast("TypeEngine[list[UUID]]", ARRAY(Uuid))


def text_array(values: Iterable[str]) -> BindParameter[list[str]]:
    """A list of strings as one array parameter (for `= ANY(...)` and `unnest`): one plan
    whatever the chunk's size, where an IN list is rendered, and planned, afresh each time."""
    return bindparam(None, list(values), type_=_TEXT_ARRAY, unique=True)


def uuid_array(values: Iterable[UUID]) -> BindParameter[list[UUID]]:
    """A list of ids as one array parameter (for `= ANY(...)`)."""
    return bindparam(None, list(values), type_=_UUID_ARRAY, unique=True)


def table_of(model: type[Base]) -> Table:
    """A model's table, for statements written in bulk below the ORM."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


async def insert_rows(session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert rows (dicts of the same columns each) with COPY, in the session's transaction.

    COPY takes a chunk's thousands of rows at a fraction of the cost of INSERTs, on both
    sides; columns left out take their defaults, and every constraint and index applies.
    Whatever the session has pending is flushed first, so the rows land in order.
    """
    if not rows:
        return
    await session.flush()
    table = table_of(model)
    columns = list(rows[0])
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_records_to_table(
        table.name,
        schema_name=table.schema,
        columns=columns,
        records=list(map(itemgetter(*columns), rows))
        if len(columns) > 1
        else [(row[columns[0]],) for row in rows],
    )


async def add_keys(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert external ids (dicts of ExternalId columns) in one statement."""
    await insert_rows(session, ExternalId, rows)


async def teams_of_families(
    session: AsyncSession, family_ids: Collection[UUID]
) -> dict[UUID, UUID]:
    """The owning team of each of these families."""
    if not family_ids:
        return {}
    rows = await session.execute(
        select(Family.id, Family.owning_team_id).where(Family.id == any_(uuid_array(family_ids)))
    )
    return {family_id: team for family_id, team in rows}


async def families_by_id(
    session: AsyncSession, family_ids: Collection[UUID], *, lock: bool = False
) -> dict[UUID, Family]:
    """Families by id (locked for the change when asked)."""
    if not family_ids:
        return {}
    query = select(Family).where(Family.id == any_(uuid_array(family_ids))).order_by(Family.id)
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
        .where(Person.id == any_(uuid_array(person_ids)))
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
    # Two arrays joined as a table: one plan whatever the chunk's size, where a tuple IN
    # list was rendered, and planned, afresh for every chunk.
    wanted = (
        select(
            func.unnest(text_array(s for s, _ in keys)).label("system"),
            func.unnest(text_array(v for _, v in keys)).label("value"),
        )
    ).subquery("wanted")
    rows = await session.execute(
        select(PersonIdentifier.system, PersonIdentifier.value, PersonIdentifier.person_id).join(
            wanted,
            (PersonIdentifier.system == wanted.c.system)
            & (PersonIdentifier.value == wanted.c.value),
        )
    )
    return {(system, value): person_id for system, value, person_id in rows}


async def cases_by_id(
    session: AsyncSession, case_ids: Collection[UUID], *, lock: bool = False
) -> dict[UUID, Case]:
    """Cases by id (locked for the change when asked)."""
    if not case_ids:
        return {}
    query = select(Case).where(Case.id == any_(uuid_array(case_ids))).order_by(Case.id)
    if lock:
        query = query.with_for_update(of=Case)
    return {case.id: case for case in await session.scalars(query)}


async def open_cases_of(
    session: AsyncSession, family_ids: Collection[UUID]
) -> dict[tuple[UUID, str], Case]:
    """The open case of each kind of each of these families, by (family, kind) (locked: it
    may be linked)."""
    if not family_ids:
        return {}
    query = (
        select(Case)
        .where(Case.family_id == any_(uuid_array(family_ids)), Case.status == "open")
        .order_by(Case.id)
        .with_for_update(of=Case)
    )
    return {(case.family_id, case.kind): case for case in await session.scalars(query)}


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
