"""Who reads outcome figures, and which teams' figures they see.

Figures are aggregates with small counts withheld, but a team's figures are still its
managers' business: a team manager sees the teams they manage now (and uploads returns for
their families); the council's Supporting Families team (the `supporting_families` role), which
compiles the outcomes return and reports to directors, sees every team, each locality and the
council. There is no director role in the directory: a director is given that role. Nobody
else reads figures (practitioners work with families, auditors audit case files, the directory's
administrators publish the frameworks and settings but read no figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from services.errors import Forbidden, NotFound
from services.principal import Principal

COUNCIL_ROLE = "supporting_families"


@dataclass(frozen=True)
class Sight:
    """The teams a caller sees figures of; `council` also the localities' and council's."""

    council: bool
    teams: frozenset[UUID]

    def sees(self, team_id: UUID) -> bool:
        return self.council or team_id in self.teams


def sight_of(principal: Principal) -> Sight:
    """The caller's sight, or 403 for a role that reads no figures."""
    if principal.has_role(COUNCIL_ROLE):
        return Sight(council=True, teams=frozenset())
    if principal.managed_team_ids:
        return Sight(council=False, teams=frozenset(principal.managed_team_ids))
    raise Forbidden(
        "Outcome figures are for team managers (their teams) and the Supporting Families team."
    )


def narrowed(sight: Sight, team_id: UUID | None) -> Sight:
    """The sight limited to one team when a request names one; 404 for a team not in sight."""
    if team_id is None:
        return sight
    if not sight.sees(team_id):
        raise NotFound("team")
    return Sight(council=False, teams=frozenset({team_id}))
