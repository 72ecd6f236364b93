"""HTTP endpoints for families, their members, relationships and identifiers."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query, Response

from services.auditing import Audit, audited
from services.auth import CurrentPrincipal
from services.concurrency import set_etag
from services.errors import invalid, raises
from services.pagination import Page, PageQuery
from services.responses import created
from services.routing import kit_router
from services.unit_of_work import DbSession
from workbook_api.families import repository, service
from workbook_api.families.dependencies import (
    ChangeableFamily,
    ChangeableMember,
    FamilyAtVersion,
    FamilyRecorder,
    MemberAtVersion,
    PersonId,
    RelationshipAtVersion,
    VisibleFamily,
)
from workbook_api.families.identifiers import normalise_identifier
from workbook_api.families.models import Family
from workbook_api.families.schemas import (
    FamilyCreate,
    FamilyDetail,
    FamilyRead,
    FamilyUpdate,
    IdentifierIn,
    IdentifierRead,
    IdentifierSystem,
    MemberCreate,
    MemberRead,
    MemberUpdate,
    PersonMatch,
    RelationshipCreate,
    RelationshipRead,
    RelationshipUpdate,
)

router = kit_router(tags=["families"])


async def family_detail(session: DbSession, family: Family) -> FamilyDetail:
    """A family with its members and their relationships."""
    members = await repository.family_members(session, family.id)
    relationships = await repository.family_relationships(session, family.id)
    return FamilyDetail(
        **FamilyRead.of(family).model_dump(),
        members=[MemberRead.of(m) for m in members],
        relationships=[RelationshipRead.of(r) for r in relationships],
    )


@router.post("/families", status_code=201, summary="Register a family")
@audited("create", "family")
@raises(409)
async def create_family(
    body: FamilyCreate,
    principal: FamilyRecorder,
    response: Response,
    session: DbSession,
    note: Audit,
) -> FamilyDetail:
    """Register a family, with its first members, for one of the caller's teams."""
    family, members = await service.create_family(session, principal, body)
    note.resource_id = str(family.id)
    note.details["members"] = len(members)
    created(response, f"/families/{family.id}", family.id, family.version)
    return FamilyDetail(
        **FamilyRead.of(family).model_dump(),
        members=[MemberRead.of(m) for m in members],
        relationships=[],
    )


@router.get("/families", summary="List families")
@audited("list", "family")
async def list_families(
    session: DbSession,
    principal: CurrentPrincipal,
    page: PageQuery,
    note: Audit,
    owning_team_id: Annotated[UUID | None, Query(description="Only this team's families")] = None,
) -> Page[FamilyRead]:
    """List the families the caller may see, newest first."""
    families, next_cursor = await repository.list_families(
        session, principal, page, owning_team_id=owning_team_id
    )
    note.details["count"] = len(families)
    return Page[FamilyRead](items=[FamilyRead.of(f) for f in families], next_cursor=next_cursor)


@router.get("/families/{family_id}", summary="Read a family")
@audited("read", "family")
async def get_family(family: VisibleFamily, response: Response, session: DbSession) -> FamilyDetail:
    """Read a family with its members and their relationships."""
    set_etag(response, family.id, family.version)
    return await family_detail(session, family)


@router.patch("/families/{family_id}", summary="Rename a family")
@audited("update", "family")
async def update_family(
    body: FamilyUpdate, family: FamilyAtVersion, response: Response, session: DbSession, note: Audit
) -> FamilyRead:
    """Change a family's name (If-Match required)."""
    note.details["fields"] = await service.rename_family(session, family, body)
    set_etag(response, family.id, family.version)
    return FamilyRead.of(family)


@router.get("/families/{family_id}/members", summary="List a family's members")
@audited("list", "person", resource="family_id")
async def list_members(family: VisibleFamily, session: DbSession, note: Audit) -> Page[MemberRead]:
    """List a family's members (a family is small: one page)."""
    members = await repository.family_members(session, family.id)
    note.details["count"] = len(members)
    return Page[MemberRead](items=[MemberRead.of(m) for m in members])


@router.post("/families/{family_id}/members", status_code=201, summary="Add a family member")
@audited("create", "person", resource="")
@raises(409)
async def create_member(
    body: MemberCreate,
    family: ChangeableFamily,
    response: Response,
    session: DbSession,
    note: Audit,
) -> MemberRead:
    """Add a member (adult, child or unborn child) to a family."""
    note.details["family_id"] = str(family.id)
    person = await service.add_member(session, family, body)
    note.resource_id = str(person.id)
    created(response, f"/families/{family.id}/members/{person.id}", person.id, person.version)
    return MemberRead.of(person)


@router.get("/families/{family_id}/members/{person_id}", summary="Read a family member")
@audited("read", "person")
@raises(404)
async def get_member(
    person_id: PersonId, family: VisibleFamily, response: Response, session: DbSession
) -> MemberRead:
    """Read one member of a family."""
    person = await repository.load_member_or_404(session, family.id, person_id)
    set_etag(response, person.id, person.version)
    return MemberRead.of(person)


@router.patch("/families/{family_id}/members/{person_id}", summary="Change a family member")
@audited("update", "person")
async def update_member(
    body: MemberUpdate, person: MemberAtVersion, response: Response, session: DbSession, note: Audit
) -> MemberRead:
    """Change a member's details, or record that they left the household (If-Match)."""
    note.details["fields"] = await service.update_member(session, person, body)
    set_etag(response, person.id, person.version)
    return MemberRead.of(person)


@router.post(
    "/families/{family_id}/members/{person_id}/identifiers",
    status_code=201,
    summary="Add an identifier to a member",
)
@audited("create", "person_identifier", resource="person_id")
@raises(409)
async def create_identifier(
    body: IdentifierIn, person: ChangeableMember, session: DbSession, note: Audit
) -> IdentifierRead:
    """Attach an external identifier (NHS number, UPN, system-of-record id) to a member."""
    note.details["system"] = body.system
    identifier = await service.add_identifier(session, person, body)
    return IdentifierRead.of(identifier)


@router.get("/families/{family_id}/relationships", summary="List a family's relationships")
@audited("list", "relationship", resource="family_id")
async def list_relationships(
    family: VisibleFamily, session: DbSession, note: Audit
) -> Page[RelationshipRead]:
    """List the relationships between a family's members."""
    relationships = await repository.family_relationships(session, family.id)
    note.details["count"] = len(relationships)
    return Page[RelationshipRead](items=[RelationshipRead.of(r) for r in relationships])


@router.post(
    "/families/{family_id}/relationships", status_code=201, summary="Record a relationship"
)
@audited("create", "relationship", resource="")
@raises(409)
async def create_relationship(
    body: RelationshipCreate,
    family: ChangeableFamily,
    response: Response,
    session: DbSession,
    note: Audit,
) -> RelationshipRead:
    """Record how two members relate, and whether one holds parental responsibility."""
    note.details["family_id"] = str(family.id)
    relationship = await service.add_relationship(session, family, body)
    note.resource_id = str(relationship.id)
    set_etag(response, relationship.id, relationship.version)
    return RelationshipRead.of(relationship)


@router.patch(
    "/families/{family_id}/relationships/{relationship_id}", summary="Change a relationship"
)
@audited("update", "relationship")
async def update_relationship(
    body: RelationshipUpdate,
    relationship: RelationshipAtVersion,
    response: Response,
    session: DbSession,
    note: Audit,
) -> RelationshipRead:
    """Change parental responsibility or record the end of a relationship (If-Match)."""
    note.details["fields"] = await service.update_relationship(session, relationship, body)
    set_etag(response, relationship.id, relationship.version)
    return RelationshipRead.of(relationship)


@router.get("/people/search", summary="Find people by identifier")
@audited("search", "person", resource="")
async def search_people(
    session: DbSession,
    principal: CurrentPrincipal,
    note: Audit,
    identifier_system: Annotated[IdentifierSystem, Query()],
    value: Annotated[str, Query(min_length=1, max_length=64)],
) -> Page[PersonMatch]:
    """Find people by exact identifier among the families the caller may see."""
    try:
        canonical = normalise_identifier(identifier_system, value)
    except ValueError as exc:
        raise invalid("query", "value", message=str(exc), code="value_error") from exc
    note.details["system"] = identifier_system
    matches = await repository.search_people(session, principal, identifier_system, canonical)
    note.details["count"] = len(matches)
    return Page[PersonMatch](
        items=[PersonMatch(person=MemberRead.of(p), family=FamilyRead.of(f)) for p, f in matches]
    )
