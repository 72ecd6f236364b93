"""Families, members, relationships and identifiers: the rules, without HTTP."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.audit import Outcome
from services.errors import Forbidden, NotFound, ProblemError
from services.principal import Principal
from workbook_api.access.visibility import SYSTEM_ROLE, visible_family_ids
from workbook_api.families.models import Family, Person, PersonIdentifier, Relationship
from workbook_api.families.schemas import (
    FamilyCreate,
    IdentifierIn,
    MemberCreate,
    MemberUpdate,
    RelationshipCreate,
    RelationshipUpdate,
)

# Who may register families and change their members: the disciplines that hold case
# responsibility, team managers, and the system of record.
RECORDING_DISCIPLINES = frozenset({"social_worker", "consultant_social_worker"})


def may_record_family(principal: Principal) -> bool:
    """Tell whether the principal may register families and change family details."""
    return (
        principal.has_role("team_manager")
        or principal.has_role(SYSTEM_ROLE)
        or (principal.has_role("practitioner") and principal.discipline in RECORDING_DISCIPLINES)
    )


def require_family_recorder(principal: Principal) -> None:
    """Refuse callers whose role does not allow changing family details."""
    if not may_record_family(principal):
        raise Forbidden("Only social workers, team managers and the system of record do this.")


class IdentifierInUse(ProblemError):
    """The identifier already belongs to a person; which one is not said (it may be hidden).

    Uniqueness has to be checked across every family, so this answer tells the caller that the
    identifier is known. It is audited as a denial, with the holder's id for whoever resolves
    the duplicate, so that probing for identifiers shows up in the audit log.
    """

    audit_outcome: Outcome = "denied"

    def __init__(self, holders: list[UUID] | None = None) -> None:
        super().__init__(
            409,
            "identifier-in-use",
            "This identifier is already recorded for a person in the workbook. "
            "Ask the person's team to link the records rather than creating a duplicate.",
        )
        self.audit_details = {
            "reason": "identifier-in-use",
            "holder_person_ids": [str(h) for h in holders or []],
        }


async def existing_identifier_owners(
    session: AsyncSession, identifiers: list[IdentifierIn]
) -> list[UUID]:
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


async def _flush_identifiers(session: AsyncSession) -> None:
    # A concurrent insert of the same identifier loses here, with the same answer as the check.
    try:
        await session.flush()
    except IntegrityError as exc:
        if "uq_person_identifier_system_value" in str(exc.orig):
            raise IdentifierInUse() from exc
        raise


async def create_family(
    session: AsyncSession, principal: Principal, body: FamilyCreate
) -> tuple[Family, list[Person]]:
    """Register a family and its first members for one of the caller's teams."""
    require_family_recorder(principal)
    if not principal.has_role(SYSTEM_ROLE) and body.owning_team_id not in principal.team_ids:
        raise Forbidden("A family can only be registered for one of your own teams.")
    all_identifiers = [i for member in body.members for i in member.identifiers]
    if len({(i.system, i.value) for i in all_identifiers}) != len(all_identifiers):
        raise ProblemError(422, "duplicate-identifier", "The same identifier is given twice.")
    if holders := await existing_identifier_owners(session, all_identifiers):
        raise IdentifierInUse(holders)
    family = Family(
        name=body.name,
        owning_team_id=body.owning_team_id,
        created_by_practitioner_id=principal.practitioner_id,
    )
    session.add(family)
    await session.flush()
    members = [_new_member(family.id, member) for member in body.members]
    session.add_all(members)
    await _flush_identifiers(session)
    return family, members


def _new_member(family_id: UUID, body: MemberCreate) -> Person:
    person = Person(
        family_id=family_id,
        role=body.role,
        given_name=body.given_name,
        family_name=body.family_name,
        preferred_name=body.preferred_name,
        date_of_birth=body.date_of_birth,
        expected_date_of_birth=body.expected_date_of_birth,
        sex=body.sex,
        gender=body.gender,
    )
    person.identifiers = [
        PersonIdentifier(system=i.system, value=i.value) for i in body.identifiers
    ]
    return person


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


async def list_families(
    session: AsyncSession,
    principal: Principal,
    *,
    limit: int,
    after: tuple[Any, ...] | None,
    owning_team_id: UUID | None,
) -> list[Family]:
    """Visible families, newest first, limit+1 rows from after the cursor key."""
    query = select(Family).where(Family.id.in_(visible_family_ids(principal)))
    if owning_team_id is not None:
        query = query.where(Family.owning_team_id == owning_team_id)
    if after is not None:
        query = query.where(tuple_(Family.created_at, Family.id) < tuple_(*after))
    query = query.order_by(Family.created_at.desc(), Family.id.desc()).limit(limit + 1)
    return list(await session.scalars(query))


async def add_member(
    session: AsyncSession, principal: Principal, family: Family, body: MemberCreate
) -> Person:
    """Add a member to a visible family."""
    require_family_recorder(principal)
    if holders := await existing_identifier_owners(session, body.identifiers):
        raise IdentifierInUse(holders)
    person = _new_member(family.id, body)
    session.add(person)
    await _flush_identifiers(session)
    return person


async def load_member_or_404(session: AsyncSession, family: Family, person_id: UUID) -> Person:
    """Load a member of an already visible family, with identifiers."""
    person = await session.scalar(
        select(Person)
        .where(Person.id == person_id, Person.family_id == family.id)
        .options(selectinload(Person.identifiers))
    )
    if person is None:
        raise NotFound("member")
    return person


def update_member(principal: Principal, person: Person, body: MemberUpdate) -> list[str]:
    """Apply a member update in place; returns the names of the fields changed."""
    require_family_recorder(principal)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("date_of_birth") is not None and "expected_date_of_birth" not in changes:
        # A birth date replaces the expected one: the child has been born.
        changes["expected_date_of_birth"] = None
    if (
        changes.get("expected_date_of_birth") is not None
        and "date_of_birth" not in changes
        and person.date_of_birth is not None
    ):
        raise ProblemError(422, "birth-date-conflict", "This member already has a date of birth.")
    role = changes.get("role", person.role)
    if role != "child" and changes.get("expected_date_of_birth", person.expected_date_of_birth):
        raise ProblemError(
            422, "birth-date-conflict", "Only a child can have an expected date of birth."
        )
    changed = []
    for name, value in changes.items():
        if getattr(person, name) != value:
            setattr(person, name, value)
            changed.append(name)
    return changed


async def add_identifier(
    session: AsyncSession, principal: Principal, person: Person, body: IdentifierIn
) -> PersonIdentifier:
    """Attach an identifier to a member of a visible family."""
    require_family_recorder(principal)
    if holders := await existing_identifier_owners(session, [body]):
        raise IdentifierInUse(holders)
    identifier = PersonIdentifier(person_id=person.id, system=body.system, value=body.value)
    session.add(identifier)
    await _flush_identifiers(session)
    return identifier


async def add_relationship(
    session: AsyncSession, principal: Principal, family: Family, body: RelationshipCreate
) -> Relationship:
    """Record how two members of the same family relate."""
    require_family_recorder(principal)
    found = set(
        await session.scalars(
            select(Person.id).where(
                Person.family_id == family.id,
                Person.id.in_([body.person_id, body.related_person_id]),
            )
        )
    )
    missing = [
        field
        for field, pid in (
            ("person_id", body.person_id),
            ("related_person_id", body.related_person_id),
        )
        if pid not in found
    ]
    if missing:
        raise ProblemError(
            422,
            "validation",
            "The request is not valid; see errors.",
            errors=[
                {
                    "location": ["body", f],
                    "message": "Not a member of this family.",
                    "code": "member",
                }
                for f in missing
            ],
        )
    duplicate = await session.scalar(
        select(Relationship.id).where(
            Relationship.person_id == body.person_id,
            Relationship.related_person_id == body.related_person_id,
            Relationship.type == body.type,
        )
    )
    if duplicate is not None:
        raise ProblemError(409, "relationship-exists", "This relationship is already recorded.")
    relationship = Relationship(
        family_id=family.id,
        person_id=body.person_id,
        related_person_id=body.related_person_id,
        type=body.type,
        parental_responsibility=body.parental_responsibility,
    )
    session.add(relationship)
    await session.flush()
    return relationship


async def load_relationship_or_404(
    session: AsyncSession, family: Family, relationship_id: UUID
) -> Relationship:
    """Load a relationship of an already visible family."""
    relationship = await session.scalar(
        select(Relationship).where(
            Relationship.id == relationship_id, Relationship.family_id == family.id
        )
    )
    if relationship is None:
        raise NotFound("relationship")
    return relationship


def update_relationship(
    principal: Principal, relationship: Relationship, body: RelationshipUpdate
) -> list[str]:
    """Change parental responsibility or end a relationship; returns the fields changed."""
    require_family_recorder(principal)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("parental_responsibility") and relationship.type not in (
        "parent_of",
        "carer_of",
    ):
        raise ProblemError(
            422, "validation", "Only a parent or carer holds parental responsibility."
        )
    if "parental_responsibility" in changes and changes["parental_responsibility"] is None:
        raise ProblemError(422, "validation", "parental_responsibility cannot be removed.")
    changed = []
    for name, value in changes.items():
        if getattr(relationship, name) != value:
            setattr(relationship, name, value)
            changed.append(name)
    return changed


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
