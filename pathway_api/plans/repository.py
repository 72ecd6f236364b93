"""Assessments, targets, reviews, and the overdue reviews a caller may see."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.lifecycle.models import Involvement
from pathway_api.models import projection
from pathway_api.plans.models import Assessment, Review, SafetyMapping, Target
from services.principal import Principal
from services.projection.access import allocation_current

_cases = projection.tables.cases
_lead = projection.tables.allocations.alias("lead")
_practitioners = projection.tables.practitioners


async def latest_assessment(session: AsyncSession, case_id: UUID) -> Assessment | None:
    """The case's most recent assessment."""
    found: Assessment | None = await session.scalar(
        select(Assessment)
        .where(Assessment.case_id == case_id)
        .order_by(Assessment.completed_at.desc(), Assessment.id.desc())
        .limit(1)
    )
    return found


async def assessments(session: AsyncSession, case_id: UUID) -> Sequence[Assessment]:
    """The case's assessments, oldest first."""
    rows = await session.scalars(
        select(Assessment)
        .where(Assessment.case_id == case_id)
        .order_by(Assessment.completed_at, Assessment.id)
    )
    return rows.all()


async def targets(session: AsyncSession, case_id: UUID) -> Sequence[Target]:
    """The plan's targets, oldest first."""
    rows = await session.scalars(
        select(Target).where(Target.case_id == case_id).order_by(Target.created_at, Target.id)
    )
    return rows.all()


async def reviews(session: AsyncSession, case_id: UUID) -> Sequence[Review]:
    """The plan's reviews, oldest first."""
    rows = await session.scalars(
        select(Review)
        .where(Review.case_id == case_id)
        .order_by(Review.held_on, Review.recorded_at, Review.id)
    )
    return rows.all()


async def safety_mappings(session: AsyncSession, case_id: UUID) -> Sequence[SafetyMapping]:
    """The case's Signs of Safety mappings, oldest first (the scale over time)."""
    rows = await session.scalars(
        select(SafetyMapping)
        .where(SafetyMapping.case_id == case_id)
        .order_by(SafetyMapping.recorded_at, SafetyMapping.id)
    )
    return rows.all()


async def overdue(
    session: AsyncSession,
    principal: Principal,
    today: date,
    *,
    team_id: UUID | None,
    practitioner_id: UUID | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Plans under way whose review fell due before today, on cases the caller may see."""
    query = (
        select(
            Involvement.case_id,
            _cases.c.family_id,
            _cases.c.owning_team_id,
            Involvement.stage,
            Involvement.next_review_due,
            _lead.c.practitioner_id.label("lead_practitioner_id"),
            _practitioners.c.display_name.label("lead_name"),
        )
        .join(_cases, _cases.c.id == Involvement.case_id)
        .outerjoin(
            _lead,
            and_(
                _lead.c.case_id == Involvement.case_id,
                _lead.c.is_allocated_social_worker,
                allocation_current(_lead),
            ),
        )
        .outerjoin(_practitioners, _practitioners.c.id == _lead.c.practitioner_id)
        .where(
            Involvement.stage.in_(("do", "review")),
            Involvement.next_review_due < today,
            _cases.c.status == "open",
            projection.case_visible(principal, _cases.c.id),
        )
        .order_by(Involvement.next_review_due, Involvement.case_id)
        .limit(limit)
    )
    if team_id is not None:
        query = query.where(_cases.c.owning_team_id == team_id)
    if practitioner_id is not None:
        query = query.where(_lead.c.practitioner_id == practitioner_id)
    return (await session.execute(query)).all()
