"""Load-or-404 dependencies for families and their members, with who may change them.

Reading follows the family rule (access/visibility.py). Changing a family's record needs a
discipline that holds case responsibility (or team management, or the system of record) and a
standing on the family that is more than reading: break-glass never writes.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Path

from services.auth import CurrentPrincipal
from services.concurrency import IfMatch, check_if_match
from services.errors import Forbidden, raises
from services.principal import Principal
from services.unit_of_work import DbSession
from workbook_api.access.visibility import SYSTEM_ROLE
from workbook_api.families import repository
from workbook_api.families.models import Family, Person, Relationship

# Who may register families and change their members: the disciplines that hold case
# responsibility, team managers, and the system of record.
RECORDING_DISCIPLINES = frozenset({"social_worker", "consultant_social_worker"})

FamilyId = Annotated[UUID, Path(description="The family")]
PersonId = Annotated[UUID, Path(description="A member of the family")]
RelationshipId = Annotated[UUID, Path(description="A relationship between members")]


@raises(403)
async def family_recorder(principal: CurrentPrincipal) -> Principal:
    """A caller whose role lets them register families and change family details."""
    if not (
        principal.has_role("team_manager")
        or principal.has_role(SYSTEM_ROLE)
        or (principal.has_role("practitioner") and principal.discipline in RECORDING_DISCIPLINES)
    ):
        raise Forbidden("Only social workers, team managers and the system of record do this.")
    return principal


FamilyRecorder = Annotated[Principal, Depends(family_recorder)]


@raises(404)
async def visible_family(
    family_id: FamilyId, principal: CurrentPrincipal, session: DbSession
) -> Family:
    """A family the caller may see."""
    return await repository.load_family_or_404(session, principal, family_id)


VisibleFamily = Annotated[Family, Depends(visible_family)]


@raises(403, 404)
async def changeable_family(
    family_id: FamilyId, principal: FamilyRecorder, session: DbSession
) -> Family:
    """A family whose record the caller may change (locked for the change)."""
    return await repository.load_family_to_change(session, principal, family_id)


ChangeableFamily = Annotated[Family, Depends(changeable_family)]


@raises(412, 428)
async def family_at_version(family: ChangeableFamily, if_match: IfMatch = None) -> Family:
    """A changeable family as of the version the caller last read."""
    check_if_match(if_match, family.id, family.version)
    return family


FamilyAtVersion = Annotated[Family, Depends(family_at_version)]


@raises(404)
async def changeable_member(
    person_id: PersonId, family: ChangeableFamily, session: DbSession
) -> Person:
    """A member of a family the caller may change."""
    return await repository.load_member_or_404(session, family.id, person_id)


ChangeableMember = Annotated[Person, Depends(changeable_member)]


@raises(412, 428)
async def member_at_version(person: ChangeableMember, if_match: IfMatch = None) -> Person:
    """A changeable member as of the version the caller last read."""
    check_if_match(if_match, person.id, person.version)
    return person


MemberAtVersion = Annotated[Person, Depends(member_at_version)]


@raises(404, 412, 428)
async def relationship_at_version(
    relationship_id: RelationshipId,
    family: ChangeableFamily,
    session: DbSession,
    if_match: IfMatch = None,
) -> Relationship:
    """A relationship of a changeable family, as of the version the caller last read."""
    relationship = await repository.load_relationship_or_404(session, family.id, relationship_id)
    check_if_match(if_match, relationship.id, relationship.version)
    return relationship


RelationshipAtVersion = Annotated[Relationship, Depends(relationship_at_version)]
