"""What the directory restates to a unit catching up (`fsm events catch-up --to <unit>`).

Every team and every practitioner as the directory holds them now, in the snapshots its
changes publish (gateway/directory/events.py), under the same event types: a snapshot is a
snapshot whatever prompted it, and a receiver keeps what is newer than what it holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.directory.events import SOURCE, practitioner_snapshot
from gateway.directory.models import Practitioner, Team
from services.event_contracts import (
    DIRECTORY_PRACTITIONER_CHANGED,
    DIRECTORY_TEAM_CHANGED,
    TeamSnapshot,
)
from services.projection import Announcement


async def restatements(session: AsyncSession) -> AsyncIterator[Announcement]:
    """Every team, then every practitioner (memberships included), as they stand."""
    for team in (await session.scalars(select(Team).order_by(Team.id))).all():
        snapshot = TeamSnapshot(
            team_id=team.id,
            name=team.name,
            code=team.code,
            active=team.active,
            version=team.version,
        )
        yield Announcement(
            type=DIRECTORY_TEAM_CHANGED,
            source=SOURCE,
            subject=f"teams/{team.id}",
            data=snapshot.model_dump(mode="json"),
            team_id=team.id,
        )
    # A directory is thousands of people, not millions: loaded whole, then one membership
    # query each, through the same builder the directory's own changes use.
    practitioners = (await session.scalars(select(Practitioner).order_by(Practitioner.id))).all()
    for practitioner in practitioners:
        yield Announcement(
            type=DIRECTORY_PRACTITIONER_CHANGED,
            source=SOURCE,
            subject=f"practitioners/{practitioner.id}",
            data=(await practitioner_snapshot(session, practitioner)).model_dump(mode="json"),
            team_id=None,
        )
