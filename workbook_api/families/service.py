"""Families, members, relationships and identifiers: the rules of each change, without HTTP.

The caller's right to change a family was checked by the dependency that loaded it
(workbook_api/families/dependencies.py); these functions trust it.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit import Outcome
from services.errors import FieldError, Forbidden, ProblemError, ValidationProblem, invalid
from services.principal import Principal
from workbook_api.access.visibility import SYSTEM_ROLE
from workbook_api.families import repository
from workbook_api.families.models import Family, Person, PersonIdentifier, Relationship
from workbook_api.families.schemas import (
    FamilyCreate,
    FamilyUpdate,
    IdentifierIn,
    MemberCreate,
    MemberUpdate,
    RelationshipCreate,
    RelationshipUpdate,
)


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


async def _refuse_known_identifiers(session: AsyncSession, identifiers: list[IdentifierIn]) -> None:
    if holders := await repository.identifier_holders(session, identifiers):
        raise IdentifierInUse(holders)


async def _flush_identifiers(session: AsyncSession) -> None:
    # A concurrent insert of the same identifier loses here, with the same answer as the check.
    try:
        await session.flush()
    except IntegrityError as exc:
        if "uq_person_identifier_system_value" in str(exc.orig):
            raise IdentifierInUse() from exc
        raise


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


async def create_family(
    session: AsyncSession, principal: Principal, body: FamilyCreate
) -> tuple[Family, list[Person]]:
    """Register a family and its first members for one of the caller's teams."""
    if not principal.has_role(SYSTEM_ROLE) and body.owning_team_id not in principal.team_ids:
        raise Forbidden("A family can only be registered for one of your own teams.")
    all_identifiers = [i for member in body.members for i in member.identifiers]
    if len({(i.system, i.value) for i in all_identifiers}) != len(all_identifiers):
        raise ProblemError(422, "duplicate-identifier", "The same identifier is given twice.")
    await _refuse_known_identifiers(session, all_identifiers)
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


async def rename_family(session: AsyncSession, family: Family, body: FamilyUpdate) -> list[str]:
    """Change a family's name; returns the fields changed."""
    changed = ["name"] if family.name != body.name else []
    family.name = body.name
    await session.flush()
    return changed


async def add_member(session: AsyncSession, family: Family, body: MemberCreate) -> Person:
    """Add a member to a family."""
    await _refuse_known_identifiers(session, body.identifiers)
    person = _new_member(family.id, body)
    session.add(person)
    await _flush_identifiers(session)
    return person


async def update_member(session: AsyncSession, person: Person, body: MemberUpdate) -> list[str]:
    """Apply a member update in place; returns the names of the fields changed."""
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
    await session.flush()
    return changed


async def add_identifier(
    session: AsyncSession, person: Person, body: IdentifierIn
) -> PersonIdentifier:
    """Attach an identifier to a member."""
    await _refuse_known_identifiers(session, [body])
    identifier = PersonIdentifier(person_id=person.id, system=body.system, value=body.value)
    session.add(identifier)
    await _flush_identifiers(session)
    return identifier


async def add_relationship(
    session: AsyncSession, family: Family, body: RelationshipCreate
) -> Relationship:
    """Record how two members of the same family relate."""
    found = await repository.members_among(
        session, family.id, [body.person_id, body.related_person_id]
    )
    missing = [
        name
        for name, pid in (
            ("person_id", body.person_id),
            ("related_person_id", body.related_person_id),
        )
        if pid not in found
    ]
    if missing:
        raise ValidationProblem(
            [
                FieldError(("body", name), "Not a member of this family.", "member")
                for name in missing
            ]
        )
    if await repository.relationship_exists(
        session, body.person_id, body.related_person_id, body.type
    ):
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


async def update_relationship(
    session: AsyncSession, relationship: Relationship, body: RelationshipUpdate
) -> list[str]:
    """Change parental responsibility or end a relationship; returns the fields changed."""
    changes = body.model_dump(exclude_unset=True)
    if changes.get("parental_responsibility") and relationship.type not in (
        "parent_of",
        "carer_of",
    ):
        raise invalid(
            "body",
            "parental_responsibility",
            message="Only a parent or carer holds parental responsibility.",
        )
    if "parental_responsibility" in changes and changes["parental_responsibility"] is None:
        raise invalid(
            "body", "parental_responsibility", message="parental_responsibility cannot be removed."
        )
    changed = []
    for name, value in changes.items():
        if getattr(relationship, name) != value:
            setattr(relationship, name, value)
            changed.append(name)
    await session.flush()
    return changed
