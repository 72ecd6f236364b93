"""HTTP endpoints for families, their members, relationships and identifiers."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response

from services.app import route_responses
from services.auth import CurrentPrincipal
from services.concurrency import require_if_match, set_etag
from services.db import DbSession
from services.errors import ProblemError
from services.pagination import Page, page_params, split_page
from workbook_api.audit_purpose import AccessPurpose, audited
from workbook_api.families import service
from workbook_api.families.identifiers import normalise_identifier
from workbook_api.families.models import Family, Person, Relationship
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
from workbook_api.listing import aware_datetime, cursor_key, uuid_value

router = APIRouter(tags=["families"])

PageParams = Annotated[tuple[int, str | None], Depends(page_params)]


def family_read(family: Family) -> FamilyRead:
    """Render a family without members."""
    return FamilyRead.model_validate(family, from_attributes=True)


def member_read(person: Person) -> MemberRead:
    """Render a member with identifiers (which must be loaded)."""
    return MemberRead.model_validate(person, from_attributes=True)


def relationship_read(relationship: Relationship) -> RelationshipRead:
    """Render a relationship."""
    return RelationshipRead.model_validate(relationship, from_attributes=True)


@router.post("/families", status_code=201, responses=route_responses(401, 403, 409, 422))
async def create_family(
    body: FamilyCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> FamilyDetail:
    """Register a family, with its first members, for one of the caller's teams."""
    with audited(request, action="create", resource_type="family", purpose=purpose) as note:
        family, members = await service.create_family(session, principal, body)
        note.resource_id = str(family.id)
        note.details["members"] = len(members)
    response.headers["Location"] = f"/families/{family.id}"
    set_etag(response, family.id, family.version)
    return FamilyDetail(
        **family_read(family).model_dump(),
        members=[member_read(m) for m in members],
        relationships=[],
    )


@router.get("/families", status_code=200, responses=route_responses(400, 401, 422))
async def list_families(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
    page: PageParams,
    owning_team_id: Annotated[UUID | None, Query(description="Only this team's families")] = None,
) -> Page[FamilyRead]:
    """List the families the caller may see, newest first."""
    limit, cursor = page
    after = cursor_key(cursor, aware_datetime, uuid_value)
    with audited(request, action="list", resource_type="family", purpose=purpose) as note:
        rows = await service.list_families(
            session, principal, limit=limit, after=after, owning_team_id=owning_team_id
        )
        items, next_cursor = split_page(rows, limit, lambda f: (f.created_at.isoformat(), f.id))
        note.details["count"] = len(items)
    return Page[FamilyRead](items=[family_read(f) for f in items], next_cursor=next_cursor)


@router.get("/families/{family_id}", status_code=200, responses=route_responses(401, 404, 422))
async def get_family(
    family_id: UUID,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> FamilyDetail:
    """Read a family with its members and their relationships."""
    with audited(
        request, action="read", resource_type="family", resource_id=family_id, purpose=purpose
    ):
        family = await service.load_family_or_404(session, principal, family_id)
        members = await service.family_members(session, family.id)
        relationships = await service.family_relationships(session, family.id)
    set_etag(response, family.id, family.version)
    return FamilyDetail(
        **family_read(family).model_dump(),
        members=[member_read(m) for m in members],
        relationships=[relationship_read(r) for r in relationships],
    )


@router.patch(
    "/families/{family_id}",
    status_code=200,
    responses=route_responses(401, 403, 404, 412, 422, 428),
)
async def update_family(
    family_id: UUID,
    body: FamilyUpdate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> FamilyRead:
    """Change a family's name (If-Match required)."""
    with audited(
        request, action="update", resource_type="family", resource_id=family_id, purpose=purpose
    ) as note:
        family = await service.load_family_or_404(session, principal, family_id)
        service.require_family_recorder(principal)
        require_if_match(request, family.id, family.version)
        note.details["fields"] = ["name"] if family.name != body.name else []
        family.name = body.name
        await session.flush()
    set_etag(response, family.id, family.version)
    return family_read(family)


@router.get(
    "/families/{family_id}/members", status_code=200, responses=route_responses(401, 404, 422)
)
async def list_members(
    family_id: UUID,
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> Page[MemberRead]:
    """List a family's members (a family is small: one page)."""
    with audited(
        request, action="list", resource_type="person", resource_id=family_id, purpose=purpose
    ) as note:
        family = await service.load_family_or_404(session, principal, family_id)
        members = await service.family_members(session, family.id)
        note.details["count"] = len(members)
    return Page[MemberRead](items=[member_read(m) for m in members])


@router.post(
    "/families/{family_id}/members",
    status_code=201,
    responses=route_responses(401, 403, 404, 409, 422),
)
async def create_member(
    family_id: UUID,
    body: MemberCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> MemberRead:
    """Add a member (adult, child or unborn child) to a family."""
    with audited(request, action="create", resource_type="person", purpose=purpose) as note:
        note.details["family_id"] = str(family_id)
        family = await service.load_family_or_404(session, principal, family_id)
        person = await service.add_member(session, principal, family, body)
        note.resource_id = str(person.id)
    response.headers["Location"] = f"/families/{family_id}/members/{person.id}"
    set_etag(response, person.id, person.version)
    return member_read(person)


@router.get(
    "/families/{family_id}/members/{person_id}",
    status_code=200,
    responses=route_responses(401, 404, 422),
)
async def get_member(
    family_id: UUID,
    person_id: UUID,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> MemberRead:
    """Read one member of a family."""
    with audited(
        request, action="read", resource_type="person", resource_id=person_id, purpose=purpose
    ):
        family = await service.load_family_or_404(session, principal, family_id)
        person = await service.load_member_or_404(session, family, person_id)
    set_etag(response, person.id, person.version)
    return member_read(person)


@router.patch(
    "/families/{family_id}/members/{person_id}",
    status_code=200,
    responses=route_responses(401, 403, 404, 412, 422, 428),
)
async def update_member(
    family_id: UUID,
    person_id: UUID,
    body: MemberUpdate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> MemberRead:
    """Change a member's details, or record that they left the household (If-Match)."""
    with audited(
        request, action="update", resource_type="person", resource_id=person_id, purpose=purpose
    ) as note:
        family = await service.load_family_or_404(session, principal, family_id)
        person = await service.load_member_or_404(session, family, person_id)
        service.require_family_recorder(principal)
        require_if_match(request, person.id, person.version)
        note.details["fields"] = service.update_member(principal, person, body)
        await session.flush()
    set_etag(response, person.id, person.version)
    return member_read(person)


@router.post(
    "/families/{family_id}/members/{person_id}/identifiers",
    status_code=201,
    responses=route_responses(401, 403, 404, 409, 422),
)
async def create_identifier(
    family_id: UUID,
    person_id: UUID,
    body: IdentifierIn,
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> IdentifierRead:
    """Attach an external identifier (NHS number, UPN, system-of-record id) to a member."""
    with audited(
        request,
        action="create",
        resource_type="person_identifier",
        resource_id=person_id,
        purpose=purpose,
    ) as note:
        note.details["system"] = body.system
        family = await service.load_family_or_404(session, principal, family_id)
        person = await service.load_member_or_404(session, family, person_id)
        identifier = await service.add_identifier(session, principal, person, body)
    return IdentifierRead.model_validate(identifier, from_attributes=True)


@router.get(
    "/families/{family_id}/relationships",
    status_code=200,
    responses=route_responses(401, 404, 422),
)
async def list_relationships(
    family_id: UUID,
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> Page[RelationshipRead]:
    """List the relationships between a family's members."""
    with audited(
        request,
        action="list",
        resource_type="relationship",
        resource_id=family_id,
        purpose=purpose,
    ) as note:
        family = await service.load_family_or_404(session, principal, family_id)
        relationships = await service.family_relationships(session, family.id)
        note.details["count"] = len(relationships)
    return Page[RelationshipRead](items=[relationship_read(r) for r in relationships])


@router.post(
    "/families/{family_id}/relationships",
    status_code=201,
    responses=route_responses(401, 403, 404, 409, 422),
)
async def create_relationship(
    family_id: UUID,
    body: RelationshipCreate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> RelationshipRead:
    """Record how two members relate, and whether one holds parental responsibility."""
    with audited(request, action="create", resource_type="relationship", purpose=purpose) as note:
        note.details["family_id"] = str(family_id)
        family = await service.load_family_or_404(session, principal, family_id)
        relationship = await service.add_relationship(session, principal, family, body)
        note.resource_id = str(relationship.id)
    set_etag(response, relationship.id, relationship.version)
    return relationship_read(relationship)


@router.patch(
    "/families/{family_id}/relationships/{relationship_id}",
    status_code=200,
    responses=route_responses(401, 403, 404, 412, 422, 428),
)
async def update_relationship(
    family_id: UUID,
    relationship_id: UUID,
    body: RelationshipUpdate,
    request: Request,
    response: Response,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
) -> RelationshipRead:
    """Change parental responsibility or record the end of a relationship (If-Match)."""
    with audited(
        request,
        action="update",
        resource_type="relationship",
        resource_id=relationship_id,
        purpose=purpose,
    ) as note:
        family = await service.load_family_or_404(session, principal, family_id)
        relationship = await service.load_relationship_or_404(session, family, relationship_id)
        service.require_family_recorder(principal)
        require_if_match(request, relationship.id, relationship.version)
        note.details["fields"] = service.update_relationship(principal, relationship, body)
        await session.flush()
    set_etag(response, relationship.id, relationship.version)
    return relationship_read(relationship)


@router.get("/people/search", status_code=200, responses=route_responses(401, 422))
async def search_people(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    purpose: AccessPurpose,
    identifier_system: Annotated[IdentifierSystem, Query()],
    value: Annotated[str, Query(min_length=1, max_length=64)],
) -> Page[PersonMatch]:
    """Find people by exact identifier among the families the caller may see."""
    try:
        canonical = normalise_identifier(identifier_system, value)
    except ValueError as exc:
        raise ProblemError(
            422,
            "validation",
            "The request is not valid; see errors.",
            errors=[{"location": ["query", "value"], "message": str(exc), "code": "value_error"}],
        ) from exc
    with audited(request, action="search", resource_type="person", purpose=purpose) as note:
        note.details["system"] = identifier_system
        matches = await service.search_people(session, principal, identifier_system, canonical)
        note.details["count"] = len(matches)
    return Page[PersonMatch](
        items=[PersonMatch(person=member_read(p), family=family_read(f)) for p, f in matches]
    )
