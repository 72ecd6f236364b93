"""Changed records loaded as the caller may see them, a batch per kind, rules inside the query.

The feed has already limited rows to scopes in the caller's sight; these queries apply the
record-level rules again in SQL all the same (the case rule, drafts to their author, withdrawn
entries, restricted detail), so a record is never rendered on the strength of its scope alone.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.principal import Principal
from workbook_api.access.visibility import case_visible, visible_family_ids
from workbook_api.cases.models import Allocation, Case, Episode
from workbook_api.chronology.models import ChronologyEvent
from workbook_api.entries.models import Entry
from workbook_api.entries.repository import detail_visible, entry_columns, entry_visible
from workbook_api.families.models import Family, Person, Relationship


async def cases(session: AsyncSession, principal: Principal, ids: list[UUID]) -> list[Any]:
    """Rows of (case, family name, open episode) for the visible cases among `ids`."""
    query = (
        select(Case, Family.name, Episode)
        .join(Family, Family.id == Case.family_id)
        .outerjoin(Episode, and_(Episode.case_id == Case.id, Episode.closed_at.is_(None)))
        .where(Case.id.in_(ids), case_visible(principal, Case.id))
    )
    return list((await session.execute(query)).all())


async def allocations(
    session: AsyncSession, principal: Principal, ids: list[UUID]
) -> list[Allocation]:
    """The allocations among `ids` on cases the caller may see."""
    query = select(Allocation).where(
        Allocation.id.in_(ids), case_visible(principal, Allocation.case_id)
    )
    return list(await session.scalars(query))


async def entries(session: AsyncSession, principal: Principal, ids: list[UUID]) -> list[Any]:
    """Entry view rows among `ids` the caller may see, restricted detail withheld in SQL."""
    query = (
        select(*entry_columns(detail_visible(principal)))
        .join(Episode, Episode.id == Entry.episode_id)
        .where(Entry.id.in_(ids), entry_visible(principal, include_withdrawn=True))
    )
    return list((await session.execute(query)).all())


async def withdrawn_among(session: AsyncSession, ids: list[UUID]) -> set[UUID]:
    """Which of these entries are withdrawn (their ids only: for tombstones)."""
    query = select(Entry.id).where(Entry.id.in_(ids), Entry.status == "withdrawn")
    return set(await session.scalars(query))


async def chronology_events(
    session: AsyncSession, principal: Principal, ids: list[UUID]
) -> list[ChronologyEvent]:
    """Other services' chronology events among `ids` on cases the caller may see."""
    query = select(ChronologyEvent).where(
        ChronologyEvent.id.in_(ids), case_visible(principal, ChronologyEvent.case_id)
    )
    return list(await session.scalars(query))


async def families(
    session: AsyncSession, principal: Principal, ids: list[UUID]
) -> list[tuple[Family, list[Person], list[Relationship]]]:
    """The visible families among `ids`, each with its members and relationships."""
    found = list(
        await session.scalars(
            select(Family).where(Family.id.in_(ids), Family.id.in_(visible_family_ids(principal)))
        )
    )
    if not found:
        return []
    family_ids = [family.id for family in found]
    members: dict[UUID, list[Person]] = defaultdict(list)
    for person in await session.scalars(
        select(Person)
        .where(Person.family_id.in_(family_ids))
        .options(selectinload(Person.identifiers))
        .order_by(Person.created_at, Person.id)
    ):
        members[person.family_id].append(person)
    related: dict[UUID, list[Relationship]] = defaultdict(list)
    for relationship in await session.scalars(
        select(Relationship)
        .where(Relationship.family_id.in_(family_ids))
        .order_by(Relationship.created_at, Relationship.id)
    ):
        related[relationship.family_id].append(relationship)
    return [(family, members[family.id], related[family.id]) for family in found]
