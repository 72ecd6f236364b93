"""Load-or-404 dependencies for a team named in the path, with the caller's standing on it.

Supervision's team-wide views (the cadence settings, the overdue list) are for the team's
managers: the order is the kit's, role first (403 for anyone who manages no team), then the
team (404 for a team the caller does not manage, the same answer as a team that does not exist).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Path

from services.auth import require_any_role
from services.errors import NotFound, raises
from services.principal import Principal

MANAGER_ROLE = "team_manager"
TeamId = Annotated[UUID, Path(description="The team")]
Manager = Annotated[Principal, Depends(require_any_role(MANAGER_ROLE))]


@dataclass(frozen=True)
class ManagedTeam:
    """A team the caller manages."""

    id: UUID
    principal: Principal


@raises(404)
async def managed_team(team_id: TeamId, principal: Manager) -> ManagedTeam:
    """A team the caller manages, else 404."""
    if team_id not in principal.managed_team_ids:
        raise NotFound("team")
    return ManagedTeam(team_id, principal)


ManagedTeamDep = Annotated[ManagedTeam, Depends(managed_team)]
