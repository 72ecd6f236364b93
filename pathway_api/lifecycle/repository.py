"""Involvements, their history, consents, TAF contacts, and who works on an early help case."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import any_, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.lifecycle.models import Consent, Involvement, StageChange, TafContact
from pathway_api.models import projection
from services.projection.access import allocation_current

_allocations = projection.tables.allocations
_practitioners = projection.tables.practitioners
_cases = projection.tables.cases
_teams = projection.tables.teams


async def involvement(
    session: AsyncSession, case_id: UUID, *, lock: bool = False
) -> Involvement | None:
    """The case's involvement row, if the lifecycle has begun."""
    query = select(Involvement).where(Involvement.case_id == case_id)
    if lock:
        query = query.with_for_update()
    found: Involvement | None = await session.scalar(query)
    return found


async def history(session: AsyncSession, case_id: UUID) -> Sequence[StageChange]:
    """The case's stage changes, oldest first."""
    rows = await session.scalars(
        select(StageChange)
        .where(StageChange.case_id == case_id)
        .order_by(StageChange.changed_at, StageChange.id)
    )
    return rows.all()


async def consents(session: AsyncSession, case_id: UUID) -> Sequence[Consent]:
    """The case's consents, oldest first."""
    rows = await session.scalars(
        select(Consent).where(Consent.case_id == case_id).order_by(Consent.recorded_at, Consent.id)
    )
    return rows.all()


async def consent(session: AsyncSession, case_id: UUID, consent_id: UUID) -> Consent | None:
    """One of the case's consents, locked for a change."""
    found: Consent | None = await session.scalar(
        select(Consent)
        .where(Consent.id == consent_id, Consent.case_id == case_id)
        .with_for_update()
    )
    return found


async def scopes_in_force(session: AsyncSession, case_id: UUID) -> set[str]:
    """What the family's consents in force cover (the union over its members)."""
    rows = await session.scalars(
        select(func.unnest(Consent.scopes)).where(
            Consent.case_id == case_id, Consent.withdrawn_on.is_(None)
        )
    )
    return set(rows.all())


async def cases_with_scope(
    session: AsyncSession, case_ids: Sequence[UUID], scope: str
) -> set[UUID]:
    """Which of these cases have a consent in force covering `scope` (scopes_in_force, for many)."""
    if not case_ids:
        return set()
    rows = await session.scalars(
        select(Consent.case_id)
        .where(
            Consent.case_id.in_(case_ids),
            Consent.withdrawn_on.is_(None),
            literal(scope) == any_(Consent.scopes),
        )
        .distinct()
    )
    return set(rows.all())


async def contacts(session: AsyncSession, case_id: UUID) -> Sequence[TafContact]:
    """The case's TAF contacts still on the team, oldest first."""
    rows = await session.scalars(
        select(TafContact)
        .where(TafContact.case_id == case_id, TafContact.ended_at.is_(None))
        .order_by(TafContact.added_at, TafContact.id)
    )
    return rows.all()


async def contact(session: AsyncSession, case_id: UUID, contact_id: UUID) -> TafContact | None:
    """One of the case's TAF contacts, locked for a change."""
    found: TafContact | None = await session.scalar(
        select(TafContact)
        .where(TafContact.id == contact_id, TafContact.case_id == case_id)
        .with_for_update()
    )
    return found


async def members(session: AsyncSession, case_id: UUID) -> list[Any]:
    """The practitioners allocated to the case now, the lead (allocated worker) first."""
    result = await session.execute(
        select(
            _allocations.c.practitioner_id,
            _practitioners.c.display_name,
            _allocations.c.discipline,
            _allocations.c.is_allocated_social_worker.label("lead"),
            _allocations.c.starts_at.label("since"),
        )
        .outerjoin(_practitioners, _practitioners.c.id == _allocations.c.practitioner_id)
        .where(_allocations.c.case_id == case_id, allocation_current(_allocations))
        .order_by(_allocations.c.is_allocated_social_worker.desc(), _allocations.c.starts_at)
    )
    return list(result.all())


async def assessments_elsewhere(
    session: AsyncSession, family_id: UUID, case_id: UUID
) -> Sequence[Any]:
    """The family's other open cases where an assessment may be under way: every open Family
    Safeguarding case (the statutory assessment is that team's), and any other early help
    involvement at its assessment stage. Rows: case_id, kind, team_id, team_name, stage."""
    query = (
        select(
            _cases.c.id.label("case_id"),
            _cases.c.kind,
            _cases.c.owning_team_id.label("team_id"),
            _teams.c.name.label("team_name"),
            Involvement.stage,
        )
        .outerjoin(_teams, _teams.c.id == _cases.c.owning_team_id)
        .outerjoin(Involvement, Involvement.case_id == _cases.c.id)
        .where(
            _cases.c.family_id == family_id,
            _cases.c.id != case_id,
            _cases.c.status == "open",
            (_cases.c.kind == "family_safeguarding") | (Involvement.stage == "assessment"),
        )
        .order_by(_cases.c.opened_at, _cases.c.id)
    )
    return (await session.execute(query)).all()
