"""Directory changes as events: every service keeps its own projection of the directory.

Each change publishes the whole practitioner (or team) as it now stands, with a version that
grows with every change, so a consumer converges on the latest snapshot whatever the order or
repetition of deliveries. A membership change touches its practitioner's row, so it too moves
the version on. Snapshots carry no email and no identity-provider subject.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.directory.models import Practitioner, Team, TeamMembership, kernel
from services.event_contracts import (
    DIRECTORY_PRACTITIONER_CHANGED,
    DIRECTORY_TEAM_CHANGED,
    MembershipSnapshot,
    PractitionerSnapshot,
    TeamSnapshot,
)
from services.outbox import publish

SOURCE = "/directory"


async def practitioner_snapshot(
    session: AsyncSession, practitioner: Practitioner
) -> PractitionerSnapshot:
    """The practitioner as the directory holds them now, memberships included."""
    memberships = await session.scalars(
        select(TeamMembership)
        .where(TeamMembership.practitioner_id == practitioner.id)
        .order_by(TeamMembership.created_at, TeamMembership.id)
    )
    return PractitionerSnapshot(
        practitioner_id=practitioner.id,
        display_name=practitioner.display_name,
        discipline=practitioner.discipline_code,
        roles=sorted(practitioner.roles),
        active=practitioner.active,
        memberships=[
            MembershipSnapshot(
                team_id=m.team_id,
                role_in_team=m.role_in_team,
                valid_from=m.valid_from,
                valid_to=m.valid_to,
            )
            for m in memberships
        ],
        version=practitioner.version,
    )


async def practitioner_changed(
    session: AsyncSession, practitioner: Practitioner, *, memberships_changed: bool = False
) -> None:
    """Publish the practitioner's new snapshot in the change's transaction."""
    if memberships_changed:
        practitioner.updated_at = datetime.now(UTC)
        await session.flush()
    snapshot = await practitioner_snapshot(session, practitioner)
    await publish(
        session,
        kernel.outbox_event,
        type=DIRECTORY_PRACTITIONER_CHANGED,
        source=SOURCE,
        subject=f"practitioners/{practitioner.id}",
        data=snapshot.model_dump(mode="json"),
        team_id=None,
    )


async def team_changed(session: AsyncSession, team: Team) -> None:
    """Publish the team's new snapshot in the change's transaction."""
    snapshot = TeamSnapshot(
        team_id=team.id, name=team.name, code=team.code, active=team.active, version=team.version
    )
    await publish(
        session,
        kernel.outbox_event,
        type=DIRECTORY_TEAM_CHANGED,
        source=SOURCE,
        subject=f"teams/{team.id}",
        data=snapshot.model_dump(mode="json"),
        team_id=team.id,
    )
