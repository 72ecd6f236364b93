"""Small-cell suppression over a council -> localities -> teams table of counts.

Primary: no count below the minimum is shown (zero included: "none" is as telling as "one").
Secondary: a shown total must not give a withheld cell away by subtraction. Among a locality's
teams, when what is withheld is one cell, or adds up to less than the minimum, the smallest
shown teams are withheld too until it is neither; when no team is left to withhold, the
locality's total is. A withheld locality is never hidden by withholding another locality (its
teams might all be shown and sum to it), so the council's total is withheld instead.

It runs on the whole table before anything is filtered to what a caller sees, so every caller
sees the same cells withheld and no two views combine to reveal one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Hierarchy:
    """Which teams make up which locality (every team is in exactly one)."""

    localities: Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Suppressed:
    """One month's counts with what is withheld: team, locality and council cells."""

    teams: dict[str, int]
    localities: dict[str, int]
    council: int
    withheld: frozenset[str]

    def shown(self, key: str) -> bool:
        """Whether a cell (a team's, a locality's, or "council") may be shown."""
        return key not in self.withheld


def locality_key(code: str) -> str:
    return f"locality:{code}"


def team_key(team: str) -> str:
    return f"team:{team}"


COUNCIL = "council"


def _protect_children(
    parent: str,
    children: Sequence[str],
    values: Mapping[str, int],
    withheld: set[str],
    minimum: int,
) -> None:
    # The children's withheld remainder is the parent's total less the shown children.
    while parent not in withheld:
        hidden = [c for c in children if c in withheld]
        if not hidden:
            return
        if len(hidden) >= 2 and sum(values[c] for c in hidden) >= minimum:
            return
        shown = sorted((c for c in children if c not in withheld), key=lambda c: (values[c], c))
        if shown:
            withheld.add(shown[0])
        else:
            withheld.add(parent)


def suppress(teams: Mapping[str, int], hierarchy: Hierarchy, minimum: int) -> Suppressed:
    """Withhold what must be withheld from one month's team counts (and their totals)."""
    localities = {
        code: sum(teams.get(team, 0) for team in members)
        for code, members in hierarchy.localities.items()
    }
    council = sum(localities.values())
    values: dict[str, int] = {team_key(t): n for t, n in teams.items()}
    values.update({locality_key(code): n for code, n in localities.items()})
    values[COUNCIL] = council
    withheld = {key for key, n in values.items() if n < minimum}
    for code, members in hierarchy.localities.items():
        _protect_children(
            locality_key(code), [team_key(t) for t in members], values, withheld, minimum
        )
    # A locality withheld (first or second) is protected by withholding the council's total.
    if any(locality_key(code) in withheld for code in hierarchy.localities):
        locality_keys = [locality_key(code) for code in hierarchy.localities]
        hidden = [k for k in locality_keys if k in withheld]
        if len(hidden) < 2 or sum(values[k] for k in hidden) < minimum:
            withheld.add(COUNCIL)
    return Suppressed(
        teams=dict(teams), localities=localities, council=council, withheld=frozenset(withheld)
    )
