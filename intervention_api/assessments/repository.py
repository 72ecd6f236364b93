"""SQL for parenting assessments, with the case access rule inside every query that finds one."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from intervention_api.assessments.models import (
    Assessment,
    AssessmentEvidence,
    AssessmentSection,
    AssessmentTransition,
)
from intervention_api.models import projection
from services.pagination import Keyset, PageRequest, aware_datetime, uuid_value
from services.principal import Principal

# Newest first: the version a reader most likely wants is the latest.
NEWEST_FIRST = Keyset((Assessment.created_at, aware_datetime), (Assessment.id, uuid_value))


async def load_visible(
    session: AsyncSession, principal: Principal, assessment_id: UUID, *, lock: bool = False
) -> Assessment | None:
    """The version if it is on a case the caller may see (locked for a change when asked)."""
    query = select(Assessment).where(
        Assessment.id == assessment_id,
        projection.case_visible(principal, Assessment.case_id.expression),
    )
    if lock:
        query = query.with_for_update(of=Assessment)
    found: Assessment | None = await session.scalar(query)
    return found


async def sections_of(session: AsyncSession, assessment_id: UUID) -> list[AssessmentSection]:
    """The version's sections in order."""
    rows = await session.scalars(
        select(AssessmentSection)
        .where(AssessmentSection.assessment_id == assessment_id)
        .order_by(AssessmentSection.position)
    )
    return list(rows)


async def evidence_of(
    session: AsyncSession, section_ids: Sequence[UUID]
) -> list[AssessmentEvidence]:
    """The evidence of these sections, each section's in its order."""
    if not section_ids:
        return []
    rows = await session.scalars(
        select(AssessmentEvidence)
        .where(AssessmentEvidence.section_id.in_(section_ids))
        .order_by(AssessmentEvidence.section_id, AssessmentEvidence.position)
    )
    return list(rows)


async def transitions_of(session: AsyncSession, assessment_id: UUID) -> list[AssessmentTransition]:
    """The version's lifecycle steps, oldest first."""
    rows = await session.scalars(
        select(AssessmentTransition)
        .where(AssessmentTransition.assessment_id == assessment_id)
        .order_by(AssessmentTransition.at, AssessmentTransition.id)
    )
    return list(rows)


async def successor_id(session: AsyncSession, assessment_id: UUID) -> UUID | None:
    """The version that supersedes this one, if any."""
    found: UUID | None = await session.scalar(
        select(Assessment.id).where(Assessment.supersedes_id == assessment_id)
    )
    return found


def visible_versions(
    principal: Principal, case_id: UUID | None, status: str | None
) -> Select[Assessment, UUID]:
    """Every version the caller may see (of one case, in one state, when given), with its
    successor's id."""
    successor = aliased(Assessment)
    query = (
        select(Assessment, successor.id.label("superseded_by_id"))
        .outerjoin(successor, successor.supersedes_id == Assessment.id)
        .where(projection.case_visible(principal, Assessment.case_id.expression))
    )
    if case_id is not None:
        query = query.where(Assessment.case_id == case_id)
    if status is not None:
        query = query.where(Assessment.status == status)
    return query


async def list_visible(
    session: AsyncSession,
    principal: Principal,
    case_id: UUID | None,
    status: str | None,
    page: PageRequest,
) -> tuple[list[tuple[Assessment, UUID | None]], str | None]:
    """A page of the versions the caller may see, newest first."""
    query = NEWEST_FIRST.apply(visible_versions(principal, case_id, status), page)
    rows: list[tuple[Assessment, UUID | None]] = [
        (row[0], row[1]) for row in (await session.execute(query)).all()
    ]
    return NEWEST_FIRST.page(rows, page, lambda row: (row[0].created_at, row[0].id))
