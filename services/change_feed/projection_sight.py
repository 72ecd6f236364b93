"""A workflow unit's sight: the projected cases the caller may see, with their standing.

The unit's API answers by the case projection's rule (services/projection/access.py), so its
feed's scopes are the same cases. A case's standing is what decides how much of it the caller
may read in these units: whether they manage its team, hold an allocation now (and of their own
discipline), are its allocated social worker; with the caller's discipline and roles beside it.
When it changes the feed tombstones the case and sends it again whole, as now visible.
"""

from __future__ import annotations

from collections.abc import Sequence
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


async def projection_sight(
    session: AsyncSession, projection: CaseProjection, principal: Principal
) -> Sight:
    """Every projected case the caller may see (everything for the system of record)."""
    if principal.has_role(SYSTEM_ROLE):
        return Sight.everything()
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
    fingerprint = _fingerprint(principal)
    standings: dict[UUID, tuple[bool, bool, bool, bool]] = {}
    for case_id, team, discipline, lead in (await session.execute(query)).all():
        manages = team in principal.managed_team_ids
        allocated = discipline is not None
        same = allocated and discipline == principal.discipline
        # Two allocations of one practitioner overlap only while deliveries catch up: the
        # wider standing holds (as the unit's own load does).
        _, was_allocated, was_same, was_lead = standings.get(
            case_id, (manages, False, False, False)
        )
        standings[case_id] = (
            manages,
            was_allocated or allocated,
            was_same or same,
            was_lead or bool(lead),
        )
    return Sight(
        {
            case_id: Sighted(CASE, f"{fingerprint}|m{m:d}a{a:d}d{d:d}s{s:d}")
            for case_id, (m, a, d, s) in standings.items()
        }
    )


def with_standing(sight: Sight, extra: dict[UUID, str]) -> Sight:
    """The sight with a unit's own part of the standing added to some cases (its consent, say)."""
    if sight.scopes is None:
        return sight
    return Sight(
        {
            case_id: Sighted(seen.kind, f"{seen.standing}|{extra[case_id]}")
            if case_id in extra
            else seen
            for case_id, seen in sight.scopes.items()
        }
    )


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
