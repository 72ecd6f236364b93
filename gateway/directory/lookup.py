"""Who a signed-in subject is: the directory's answer the gateway admits callers by.

One query per subject (or per identity, given its issuer), cached by the gateway's principal
cache (gateway/principals.py), which the directory's change notifications invalidate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.directory.models import Practitioner, PractitionerIdentity, Team, TeamMembership
from gateway.directory.service import is_current
from services.principal import Principal


@dataclass(frozen=True, slots=True)
class DirectoryAnswer:
    """What the directory says about a subject: who they are, and whether they may act."""

    principal: Principal | None
    active: bool


async def load_principal(
    session: AsyncSession, subject: str, today: date, *, issuer: str | None = None
) -> DirectoryAnswer:
    """Resolve a subject (or, given its issuer, an identity) to a principal, in one query."""
    active_team = select(Team.id).where(Team.active.is_(True))
    named = (
        Practitioner.subject == subject
        if issuer is None
        else Practitioner.id
        == select(PractitionerIdentity.practitioner_id)
        .where(PractitionerIdentity.issuer == issuer, PractitionerIdentity.value == subject)
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            select(
                Practitioner.id,
                Practitioner.subject,
                Practitioner.display_name,
                Practitioner.discipline_code,
                Practitioner.roles,
                Practitioner.active,
                TeamMembership.team_id,
                TeamMembership.role_in_team,
            )
            .outerjoin(
                TeamMembership,
                and_(
                    TeamMembership.practitioner_id == Practitioner.id,
                    is_current(today),
                    TeamMembership.team_id.in_(active_team),
                ),
            )
            .where(named)
        )
    ).all()
    if not rows:
        return DirectoryAnswer(None, active=False)
    first = rows[0]
    teams = frozenset(row.team_id for row in rows if row.team_id is not None)
    managed = frozenset(row.team_id for row in rows if row.role_in_team == "manager")
    principal = Principal(
        subject=first.subject,
        practitioner_id=first.id,
        display_name=first.display_name,
        discipline=first.discipline_code,
        roles=frozenset(first.roles),
        team_ids=teams,
        managed_team_ids=managed,
    )
    return DirectoryAnswer(principal, active=bool(first.active))


async def teams_of(
    session: AsyncSession, practitioner_id: UUID, today: date
) -> Sequence[tuple[Team, str]]:
    """The active teams a practitioner currently belongs to, with their role in each."""
    stmt = (
        select(Team, TeamMembership.role_in_team)
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(
            TeamMembership.practitioner_id == practitioner_id,
            Team.active.is_(True),
            is_current(today),
        )
        .order_by(Team.name)
    )
    rows = (await session.execute(stmt)).all()
    return [(team, role) for team, role in rows]
