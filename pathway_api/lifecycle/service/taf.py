"""The Team Around the Family: practitioners allocated now, and contacts without accounts."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.chronology import contribute
from pathway_api.lifecycle import repository
from pathway_api.lifecycle.models import TafContact
from pathway_api.lifecycle.schemas import (
    TafContactCreate,
    TafContactRead,
    TafMember,
    TeamAroundTheFamily,
)
from pathway_api.lifecycle.service.involvement import open_involvement, require_scope
from services.errors import NotFound, ProblemError
from services.projection import ProjectedCase


async def team(session: AsyncSession, case_id: UUID) -> TeamAroundTheFamily:
    """The TAF: practitioners allocated now (the lead first), and contacts without accounts."""
    return TeamAroundTheFamily(
        members=[TafMember.of(row) for row in await repository.members(session, case_id)],
        contacts=[TafContactRead.of(c) for c in await repository.contacts(session, case_id)],
    )


async def add_contact(
    session: AsyncSession, case: ProjectedCase, body: TafContactCreate
) -> TafContact:
    """Add a TAF member with no account; sharing with them needs the family's consent."""
    await open_involvement(session, case)
    await require_scope(session, case.id, "information_sharing")
    contact = TafContact(
        case_id=case.id,
        name=body.name,
        agency=body.agency,
        role=body.role,
        contact=body.contact,
        added_by=case.principal.practitioner_id,
        added_at=case.now,
    )
    session.add(contact)
    await session.flush()
    await contribute(
        session, case, f"Team Around the Family: {body.name} ({body.agency}) joined", body.role
    )
    return contact


async def end_contact(session: AsyncSession, case: ProjectedCase, contact_id: UUID) -> TafContact:
    """A contact leaves the Team Around the Family."""
    contact = await repository.contact(session, case.id, contact_id)
    if contact is None:
        raise NotFound("TAF contact")
    if contact.ended_at is not None:
        raise ProblemError(409, "contact-ended", "This contact has already left the team.")
    contact.ended_at = case.now
    await session.flush()
    await contribute(
        session, case, f"Team Around the Family: {contact.name} ({contact.agency}) left"
    )
    return contact
