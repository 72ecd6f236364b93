"""Family, member, relationship and identifier queries, with the family rules inside them."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.errors import Forbidden, NotFound
from services.pagination import Keyset, PageRequest, aware_datetime, uuid_value
from services.principal import Principal
from workbook_api.access.visibility import visible_family_ids, writable_family_ids
from workbook_api.families.models import Family, Person, PersonIdentifier, Relationship
from workbook_api.families.schemas import IdentifierIn

FAMILY_ORDER = Keyset((Family.created_at, aware_datetime), (Family.id, uuid_value))


async def load_family_or_404(
    session: AsyncSession, principal: Principal, family_id: UUID, *, lock: bool = False
) -> Family:
    """Load a family the principal may see, in one query."""
    query = select(Family).where(
        Family.id == family_id, Family.id.in_(visible_family_ids(principal))
    )
    if lock:
        query = query.with_for_update(of=Family)
    family = await session.scalar(query)
    if family is None:
        raise NotFound("family")
    return family


async def load_family_to_change(
    session: AsyncSession, principal: Principal, family_id: UUID
) -> Family:
    """Load a family whose record the principal may change: 404 unseen, 403 read-only.

    Break-glass, case-file audit and a closed case one worked on let a practitioner read a
    family; they never let anyone change it.
    """
    row = (
        await session.execute(
            select(Family, Family.id.in_(writable_family_ids(principal)).label("writable"))
            .where(Family.id == family_id, Family.id.in_(visible_family_ids(principal)))
            .with_for_update(of=Family)
        )
    ).one_or_none()
    if row is None:
        raise NotFound("family")
    family, writable = row
    if not writable:
        raise Forbidden("You can read this family's record but not change it.")
    return family


async def list_families(
    session: AsyncSession, principal: Principal, page: PageRequest, *, owning_team_id: UUID | None
) -> tuple[list[Family], str | None]:
    """A page of the families the caller may see, newest first."""
    query = select(Family).where(Family.id.in_(visible_family_ids(principal)))
    if owning_team_id is not None:
        query = query.where(Family.owning_team_id == owning_team_id)
    rows = (await session.scalars(FAMILY_ORDER.apply(query, page))).all()
    return FAMILY_ORDER.page(rows, page, lambda family: (family.created_at, family.id))


async def family_members(session: AsyncSession, family_id: UUID) -> list[Person]:
    """A family's members with their identifiers, in the order they were recorded."""
    rows = await session.scalars(
        select(Person)
        .where(Person.family_id == family_id)
        .options(selectinload(Person.identifiers))
        .order_by(Person.created_at, Person.id)
    )
    return list(rows)


async def family_relationships(session: AsyncSession, family_id: UUID) -> list[Relationship]:
    """A family's relationships in the order they were recorded."""
    rows = await session.scalars(
        select(Relationship)
        .where(Relationship.family_id == family_id)
        .order_by(Relationship.created_at, Relationship.id)
    )
    return list(rows)


async def load_member_or_404(session: AsyncSession, family_id: UUID, person_id: UUID) -> Person:
    """Load a member of an already visible family, with identifiers."""
    person = await session.scalar(
        select(Person)
        .where(Person.id == person_id, Person.family_id == family_id)
        .options(selectinload(Person.identifiers))
    )
    if person is None:
        raise NotFound("member")
    return person


async def load_relationship_or_404(
    session: AsyncSession, family_id: UUID, relationship_id: UUID
) -> Relationship:
    """Load a relationship of an already visible family."""
    relationship = await session.scalar(
        select(Relationship).where(
            Relationship.id == relationship_id, Relationship.family_id == family_id
        )
    )
    if relationship is None:
        raise NotFound("relationship")
    return relationship


async def members_among(
    session: AsyncSession, family_id: UUID, person_ids: list[UUID]
) -> set[UUID]:
    """Which of these people are members of the family."""
    return set(
        await session.scalars(
            select(Person.id).where(Person.family_id == family_id, Person.id.in_(person_ids))
        )
    )


async def relationship_exists(
    session: AsyncSession, person_id: UUID, related_person_id: UUID, type_: str
) -> bool:
    """Whether this relationship is already recorded."""
    found = await session.scalar(
        select(Relationship.id).where(
            Relationship.person_id == person_id,
            Relationship.related_person_id == related_person_id,
            Relationship.type == type_,
        )
    )
    return found is not None


async def identifier_holders(session: AsyncSession, identifiers: list[IdentifierIn]) -> list[UUID]:
    """Person ids already holding any of these identifiers (across every family)."""
    if not identifiers:
        return []
    keys = [(i.system, i.value) for i in identifiers]
    rows = await session.scalars(
        select(PersonIdentifier.person_id).where(
            tuple_(PersonIdentifier.system, PersonIdentifier.value).in_(keys)
        )
    )
    return list(rows)


async def search_people(
    session: AsyncSession, principal: Principal, system: str, value: str
) -> list[tuple[Person, Family]]:
    """People holding exactly this identifier, among families the caller may see."""
    rows = await session.execute(
        select(Person, Family)
        .join(PersonIdentifier, PersonIdentifier.person_id == Person.id)
        .join(Family, Family.id == Person.family_id)
        .where(
            PersonIdentifier.system == system,
            PersonIdentifier.value == value,
            Family.id.in_(visible_family_ids(principal)),
        )
        .options(selectinload(Person.identifiers))
    )
    return [(person, family) for person, family in rows]


async def member_roles(
    session: AsyncSession, family_id: UUID, person_ids: list[UUID]
) -> dict[UUID, str]:
    """The roles of those of these people who are members of the family."""
    rows = await session.execute(
        select(Person.id, Person.role).where(
            Person.id.in_(person_ids), Person.family_id == family_id
        )
    )
    return {row.id: row.role for row in rows}
