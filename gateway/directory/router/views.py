"""What the directory's endpoints share: its audit records and how records are shown."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request, Response

from gateway.directory.models import Practitioner, Team, TeamMembership
from gateway.directory.schemas import MembershipRead, PractitionerRead, TeamRead
from gateway.directory.service import london_today
from services.audit import AuditEvent
from services.auditing import audit
from services.concurrency import set_etag
from services.pagination import page_params

PURPOSE = "directory administration"

PageParams = Annotated[tuple[int, str | None], Depends(page_params)]


def audit_change(
    request: Request, action: str, resource_type: str, resource_id: UUID, **details: Any
) -> None:
    """Record a change to the directory in its audit log (ids, fields and roles only)."""
    audit(
        request,
        AuditEvent(
            action=f"directory.{resource_type}.{action}",
            resource_type=resource_type,
            resource_id=str(resource_id),
            case_id=None,
            purpose=PURPOSE,
            details=details,
        ),
    )


def team_view(team: Team, response: Response) -> TeamRead:
    """A team as read, with its ETag."""
    set_etag(response, team.id, team.version)
    return TeamRead.model_validate(team, from_attributes=True)


def practitioner_view(practitioner: Practitioner, response: Response) -> PractitionerRead:
    """A practitioner as read, with their ETag."""
    set_etag(response, practitioner.id, practitioner.version)
    return practitioner_read(practitioner)


def practitioner_read(practitioner: Practitioner) -> PractitionerRead:
    """A practitioner as the directory shows them."""
    return PractitionerRead(
        id=practitioner.id,
        subject=practitioner.subject,
        display_name=practitioner.display_name,
        email=practitioner.email,
        discipline=practitioner.discipline_code,
        roles=sorted(practitioner.roles),
        active=practitioner.active,
        created_at=practitioner.created_at,
        updated_at=practitioner.updated_at,
    )


def membership_read(membership: TeamMembership, team_name: str) -> MembershipRead:
    """A team membership, and whether it is in force today in England."""
    today = london_today()
    current = (membership.valid_from is None or membership.valid_from <= today) and (
        membership.valid_to is None or membership.valid_to > today
    )
    return MembershipRead(
        id=membership.id,
        practitioner_id=membership.practitioner_id,
        team_id=membership.team_id,
        team_name=team_name,
        role_in_team=membership.role_in_team,
        valid_from=membership.valid_from,
        valid_to=membership.valid_to,
        current=current,
        created_at=membership.created_at,
    )
