"""What a caller has in sight, and their standing on each case: the feed's scopes, as SQL.

A case's standing is what decides how much of it the caller may read (access/repository.py):
whether they manage its team, hold an allocation in their own discipline, are its allocated
social worker; with the caller's discipline and roles beside it. When it changes the feed sends
the case again whole (its restricted detail may now be withheld, or shown), so a copy never
keeps what its holder may no longer read.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.change_feed.feed import Sight, Sighted
from services.principal import Principal
from workbook_api.access.visibility import (
    SYSTEM_ROLE,
    allocation_current,
    visible_case_ids,
    visible_family_ids,
)
from workbook_api.cases.models import Allocation, Case

CASE = "case"
FAMILY = "family"
_MINE = aliased(Allocation, name="feed_mine")


def _fingerprint(principal: Principal) -> str:
    return f"{principal.discipline}|{','.join(sorted(principal.roles))}"


def _case_standing(principal: Principal, team: UUID, discipline: str | None, lead: bool) -> str:
    manages = team in principal.managed_team_ids
    same = discipline is not None and discipline == principal.discipline
    return f"{_fingerprint(principal)}|m{manages:d}a{same:d}s{lead:d}"


def _standing_query(principal: Principal) -> Select[*tuple[Any, ...]]:
    """Cases with the caller's allocation in force now, if any (family, team, discipline)."""
    mine = _MINE
    return select(
        Case.id,
        Case.family_id,
        Case.owning_team_id,
        mine.discipline,
        mine.is_allocated_social_worker,
    ).outerjoin(
        mine,
        and_(
            mine.case_id == Case.id,
            mine.practitioner_id == principal.practitioner_id,
            allocation_current(mine),
        ),
    )


def _sight(principal: Principal, cases: list[Any], families: set[UUID]) -> Sight:
    fingerprint = _fingerprint(principal)
    scopes: dict[UUID, Sighted] = dict.fromkeys(families, Sighted(FAMILY, fingerprint))
    for case_id, _, team, discipline, lead in cases:
        scopes[case_id] = Sighted(CASE, _case_standing(principal, team, discipline, bool(lead)))
    return Sight(scopes)


async def visible_sight(session: AsyncSession, principal: Principal) -> Sight:
    """Every case and family the caller may see (the change feed's scope)."""
    if principal.has_role(SYSTEM_ROLE):
        return Sight.everything()
    families = set(await session.scalars(select(visible_family_ids(principal).subquery())))
    query = _standing_query(principal).where(Case.id.in_(visible_case_ids(principal)))
    return _sight(principal, list((await session.execute(query)).all()), families)


async def caseload_sight(session: AsyncSession, principal: Principal) -> Sight:
    """The open cases the caller is allocated to now, and their families (a device's scope)."""
    query = _standing_query(principal).where(Case.status == "open", _MINE.id.is_not(None))
    cases: list[Any] = list((await session.execute(query)).all())
    return _sight(principal, cases, {row.family_id for row in cases})
