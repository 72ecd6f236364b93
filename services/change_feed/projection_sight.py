"""A workflow unit's sight: the projected cases the caller may see, with their standing.

The unit's API answers by the case projection's rule (services/projection/access.py), so its
feed's scopes are the same cases. A case's standing is what decides how much of it the caller
may read in these units: whether they manage its team, hold an allocation now (and of their own
discipline), are its allocated social worker; with the caller's discipline and roles beside it.
When it changes the feed tombstones the case and sends it again whole, as now visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.change_feed.feed import ChangeRow, Sight, Sighted
from services.principal import Principal
from services.projection import CaseProjection, ProjectedCase, ProjectedCaseNotFound
from services.projection.access import SYSTEM_ROLE, allocation_current

CASE = "case"


def _fingerprint(principal: Principal) -> str:
    return f"{principal.discipline}|{','.join(sorted(principal.roles))}"


@dataclass(frozen=True)
class CaseStanding:
    """What the caller is to a case they may see (the projection's standing, as its load has it)."""

    manages: bool
    allocated: bool
    same_discipline: bool
    lead: bool

    @property
    def partner(self) -> bool:
        """Allocated now, neither the lead nor a manager of the case (a partner agency's worker)."""
        return self.allocated and not self.lead and not self.manages

    def key(self) -> str:
        return f"m{self.manages:d}a{self.allocated:d}d{self.same_discipline:d}s{self.lead:d}"


async def case_standings(
    session: AsyncSession, projection: CaseProjection, principal: Principal
) -> dict[UUID, CaseStanding] | None:
    """Every projected case the caller may see with their standing (None for the system of
    record, who sees everything)."""
    if principal.has_role(SYSTEM_ROLE):
        return None
    cases = projection.tables.cases
    mine = projection.tables.allocations.alias("feed_mine")
    query = (
        select(
            cases.c.id,
            cases.c.owning_team_id,
            mine.c.discipline,
            mine.c.is_allocated_social_worker,
        )
        .outerjoin(
            mine,
            and_(
                mine.c.case_id == cases.c.id,
                mine.c.practitioner_id == principal.practitioner_id,
                allocation_current(mine),
            ),
        )
        .where(projection.case_visible(principal, cases.c.id))
    )
    standings: dict[UUID, CaseStanding] = {}
    for case_id, team, discipline, lead in (await session.execute(query)).all():
        allocated = discipline is not None
        found = CaseStanding(
            manages=team in principal.managed_team_ids,
            allocated=allocated,
            same_discipline=allocated and discipline == principal.discipline,
            lead=bool(lead),
        )
        # Two allocations of one practitioner overlap only while deliveries catch up: the
        # wider standing holds (as the unit's own load does).
        if before := standings.get(case_id):
            found = CaseStanding(
                found.manages,
                before.allocated or found.allocated,
                before.same_discipline or found.same_discipline,
                before.lead or found.lead,
            )
        standings[case_id] = found
    return standings


def sight_of(
    principal: Principal,
    standings: dict[UUID, CaseStanding] | None,
    extra: dict[UUID, str] | None = None,
) -> Sight:
    """The feed's sight: each case with the caller's standing (and a unit's own part of it,
    such as a family's consent to share with partners, from `extra`)."""
    if standings is None:
        return Sight.everything()
    fingerprint = _fingerprint(principal)
    more = extra or {}
    return Sight(
        {
            case_id: Sighted(
                CASE, "|".join(filter(None, (fingerprint, standing.key(), more.get(case_id))))
            )
            for case_id, standing in standings.items()
        }
    )


async def projection_sight(
    session: AsyncSession, projection: CaseProjection, principal: Principal
) -> Sight:
    """Every projected case the caller may see (everything for the system of record)."""
    return sight_of(principal, await case_standings(session, projection, principal))


async def visible_cases(
    session: AsyncSession,
    projection: CaseProjection,
    principal: Principal,
    rows: Sequence[ChangeRow],
) -> dict[UUID, ProjectedCase]:
    """The rows' cases the caller may see, each with their standing on it (the unit's own load,
    so a renderer applies the same rules as the unit's endpoints)."""
    found: dict[UUID, ProjectedCase] = {}
    for case_id in dict.fromkeys(row.scope_id for row in rows):
        try:
            found[case_id] = await projection.rule.load(session, principal, case_id)
        except ProjectedCaseNotFound:
            continue
    return found
