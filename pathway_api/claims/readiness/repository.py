"""The facts the readiness rule reads, gathered for many involvements in a few queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.claims.readiness.models import ReadinessAnnouncement
from pathway_api.claims.readiness.rule import ReviewFacts, Snapshot, TargetFacts
from pathway_api.lifecycle.models import Escalation, Involvement, StageChange
from pathway_api.models import projection
from pathway_api.plans.models import Assessment, Review, Target
from services.working_days import local_date

_cases = projection.tables.cases
_allocations = projection.tables.allocations
KIND_LABELS = {
    "early_help": "an early help case",
    "family_safeguarding": "a Family Safeguarding case",
}


async def closed_case_ids(
    session: AsyncSession, in_claims: ColumnElement[bool], *, limit: int
) -> list[UUID]:
    """Closed involvements of teams in the caller's claims work, most recently closed first."""
    rows = await session.scalars(
        select(Involvement.case_id)
        .join(_cases, _cases.c.id == Involvement.case_id)
        .where(Involvement.stage == "closed", in_claims)
        .order_by(Involvement.stage_changed_at.desc(), Involvement.case_id)
        .limit(limit)
    )
    return list(rows.all())


async def unannounced_closed(
    session: AsyncSession, closed_after: datetime, closed_before: datetime
) -> list[UUID]:
    """Closed involvements not yet announced ready, closed between the two instants."""
    rows = await session.scalars(
        select(Involvement.case_id)
        .outerjoin(ReadinessAnnouncement, ReadinessAnnouncement.case_id == Involvement.case_id)
        .where(
            Involvement.stage == "closed",
            Involvement.stage_changed_at > closed_after,
            Involvement.stage_changed_at < closed_before,
            ReadinessAnnouncement.case_id.is_(None),
        )
    )
    return list(rows.all())


async def snapshots(
    session: AsyncSession, case_ids: Sequence[UUID], today: date
) -> dict[UUID, Snapshot]:
    """Each case's snapshot as of `today` (cases the pathway does not know are left out)."""
    ids = list(case_ids)
    if not ids:
        return {}
    cases = {
        row.id: row
        for row in await session.execute(
            select(
                _cases.c.id, _cases.c.family_id, _cases.c.owning_team_id, _cases.c.opened_at
            ).where(_cases.c.id.in_(ids))
        )
    }
    involvements = {
        row.case_id: row
        for row in await session.scalars(select(Involvement).where(Involvement.case_id.in_(ids)))
    }
    closed_at = {
        case_id: row.stage_changed_at
        for case_id, row in involvements.items()
        if row.stage == "closed"
    }
    leads: dict[UUID, list[tuple[UUID, datetime, datetime | None]]] = defaultdict(list)
    for row in await session.execute(
        select(
            _allocations.c.case_id,
            _allocations.c.practitioner_id,
            _allocations.c.starts_at,
            _allocations.c.ends_at,
        ).where(_allocations.c.case_id.in_(ids), _allocations.c.is_allocated_social_worker)
    ):
        leads[row.case_id].append((row.practitioner_id, row.starts_at, row.ends_at))
    # Each case's latest assessment: the first row of each case, newest first.
    areas: dict[UUID, tuple[str, ...]] = {}
    for assessed in await session.execute(
        select(Assessment.case_id, Assessment.areas)
        .where(Assessment.case_id.in_(ids))
        .order_by(Assessment.case_id, Assessment.completed_at.desc(), Assessment.id)
    ):
        areas.setdefault(assessed.case_id, tuple(assessed.areas))
    targets: dict[UUID, list[TargetFacts]] = defaultdict(list)
    for target in await session.execute(
        select(Target.case_id, Target.id, Target.area)
        .where(Target.case_id.in_(ids))
        .order_by(Target.created_at, Target.id)
    ):
        targets[target.case_id].append(TargetFacts(target.id, target.area))
    started = {
        row.case_id: local_date(row.first)
        for row in await session.execute(
            select(StageChange.case_id, func.min(StageChange.changed_at).label("first"))
            .where(StageChange.case_id.in_(ids), StageChange.to_stage == "do")
            .group_by(StageChange.case_id)
        )
    }
    reviews: dict[UUID, list[ReviewFacts]] = defaultdict(list)
    for review in await session.scalars(
        select(Review).where(Review.case_id.in_(ids)).order_by(Review.held_on, Review.id)
    ):
        progress = {UUID(str(item["target_id"])): str(item["progress"]) for item in review.progress}
        reviews[review.case_id].append(ReviewFacts(review.held_on, review.outcome, progress))
    relapses = await _relapses(
        session, {c: (cases[c].family_id, at) for c, at in closed_at.items() if c in cases}
    )
    found: dict[UUID, Snapshot] = {}
    for case_id, case in cases.items():
        at = closed_at.get(case_id)
        found[case_id] = Snapshot(
            case_id=case_id,
            family_id=case.family_id,
            owning_team_id=case.owning_team_id,
            lead_practitioner_id=_lead_at(leads[case_id], at),
            identified_areas=areas.get(case_id),
            targets=tuple(targets[case_id]),
            plan_started_on=started.get(case_id),
            reviews=tuple(reviews[case_id]),
            closed_on=local_date(at) if at is not None else None,
            relapses=tuple(relapses[case_id]),
            today=today,
        )
    return found


def _lead_at(
    allocations: list[tuple[UUID, datetime, datetime | None]], at: datetime | None
) -> UUID | None:
    """The lead practitioner in post at closure (closing the case ends allocations then),
    or now while early help is open."""
    for practitioner_id, starts_at, ends_at in allocations:
        if at is None:
            if ends_at is None:
                return practitioner_id
        elif starts_at <= at and (ends_at is None or ends_at >= at):
            return practitioner_id
    return None


async def _relapses(
    session: AsyncSession, closed: dict[UUID, tuple[UUID, datetime]]
) -> dict[UUID, list[tuple[date, str]]]:
    """What happened to each closed case's family afterwards: a new case, an escalation."""
    found: dict[UUID, list[tuple[date, str]]] = defaultdict(list)
    if not closed:
        return found
    by_family: dict[UUID, list[tuple[UUID, datetime]]] = defaultdict(list)
    for case_id, (family_id, at) in closed.items():
        by_family[family_id].append((case_id, at))
    families = list(by_family)
    for row in await session.execute(
        select(_cases.c.id, _cases.c.family_id, _cases.c.kind, _cases.c.opened_at).where(
            _cases.c.family_id.in_(families)
        )
    ):
        for case_id, at in by_family[row.family_id]:
            if row.id != case_id and row.opened_at > at:
                what = f"{KIND_LABELS.get(row.kind, 'a case')} opened for the family"
                found[case_id].append((local_date(row.opened_at), what))
    for row in await session.execute(
        select(_cases.c.family_id, Escalation.raised_at)
        .join(_cases, _cases.c.id == Escalation.case_id)
        .where(_cases.c.family_id.in_(families))
    ):
        for case_id, at in by_family[row.family_id]:
            if row.raised_at > at:
                found[case_id].append((local_date(row.raised_at), "escalated to child protection"))
    return found


async def announced(session: AsyncSession, case_id: UUID) -> bool:
    return await session.get(ReadinessAnnouncement, case_id) is not None
