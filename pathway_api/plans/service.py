"""Assessments and their screening, the Family Action Plan's targets, reviews on a cadence.

Supporting Families screening is a function of an assessment and a configuration: the areas
the assessment found, whether the family has dependent children or an expectant parent, and
the configuration's eligibility rule. An assessment is shown screened under the version it
was completed under; `screen_now` screens the latest one under the rule in force, so a council
that changes its rule sees the change for the same family at once, with no code change.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.chronology import contribute
from pathway_api.configuration import service as configuration
from pathway_api.configuration.schemas import Continuum
from pathway_api.lifecycle.service import involvement as lifecycle
from pathway_api.lifecycle.stages import PLANNING, REVIEWABLE
from pathway_api.plans import repository
from pathway_api.plans.models import Assessment, Review, SafetyMapping, Target
from pathway_api.plans.schemas import (
    AssessmentCreate,
    AssessmentRead,
    OverdueReview,
    PlanRead,
    ReviewCreate,
    SafetyMappingCreate,
    Screening,
    TargetCreate,
    TargetRead,
)
from services.errors import ProblemError, invalid
from services.principal import Principal
from services.projection import ProjectedCase
from services.working_days import ENGLAND

REVIEW_TITLES = {
    "needs_met": "Early help review: needs met, closing is next",
    "continue": "Early help review: the plan continues",
    "deterioration": "Early help review: things are worse, consider stepping up",
}


def screen(
    continuum: Continuum, areas: list[str], dependent_children: bool, expectant_parent: bool
) -> Screening:
    """Supporting Families eligibility of a family's needs under the continuum's rule."""
    rule = continuum.eligibility
    found = sorted(set(areas) & continuum.area_codes())
    reasons: list[str] = []
    if len(found) < rule.min_areas:
        reasons.append(f"Needs in {len(found)} headline areas; the rule asks for {rule.min_areas}.")
    if rule.requires_dependent_children_or_expectant_parent and not (
        dependent_children or expectant_parent
    ):
        reasons.append("No dependent children and no expectant parent.")
    return Screening(
        configuration_version=continuum.version,
        areas=found,
        min_areas=rule.min_areas,
        requires_dependent_children_or_expectant_parent=(
            rule.requires_dependent_children_or_expectant_parent
        ),
        eligible=not reasons,
        reasons=reasons,
    )


def screen_assessment(continuum: Continuum, assessment: Assessment) -> Screening:
    return screen(
        continuum, assessment.areas, assessment.dependent_children, assessment.expectant_parent
    )


async def assessment_read(session: AsyncSession, assessment: Assessment) -> AssessmentRead:
    """An assessment screened under the configuration it was completed under."""
    row = await configuration.version(session, assessment.configuration_version)
    screening = screen_assessment(configuration.continuum_of(row), assessment)
    return AssessmentRead.of(assessment, screening=screening)


async def screen_now(session: AsyncSession, case_id: UUID) -> Screening | None:
    """The latest assessment screened under the configuration in force; None before one."""
    latest = await repository.latest_assessment(session, case_id)
    if latest is None:
        return None
    return screen_assessment(await configuration.current(session), latest)


def unknown_areas(continuum: Continuum, areas: list[str], *location: str) -> None:
    unknown = sorted(set(areas) - continuum.area_codes())
    if unknown:
        raise invalid(
            *location,
            message=f"Not headline areas of configuration version {continuum.version}: "
            + ", ".join(unknown),
            code="unknown_area",
        )


async def assess(
    session: AsyncSession, case: ProjectedCase, continuum: Continuum, body: AssessmentCreate
) -> Assessment:
    """Record a completed whole-family assessment (the family consented to it)."""
    involvement = await lifecycle.open_involvement(session, case)
    if involvement.stage in ("identified", "consent"):
        raise ProblemError(
            409,
            "illegal-transition",
            "Move the involvement to assessment (with the family's consent) first.",
            stage=involvement.stage,
        )
    await lifecycle.require_scope(session, case.id, "assessment")
    unknown_areas(continuum, body.areas, "body", "areas")
    assessment = Assessment(
        case_id=case.id,
        assessment_type=body.assessment_type,
        areas=sorted(set(body.areas)),
        members_assessed=body.members_assessed,
        dependent_children=body.dependent_children,
        expectant_parent=body.expectant_parent,
        summary=body.summary,
        configuration_version=continuum.version,
        completed_by=case.principal.practitioner_id,
        completed_at=case.now,
    )
    session.add(assessment)
    await session.flush()
    screening = screen_assessment(continuum, assessment)
    await contribute(
        session,
        case,
        "Early help assessment completed ("
        + ("eligible" if screening.eligible else "not eligible")
        + " for Supporting Families)",
        body.summary,
    )
    return assessment


async def plan(session: AsyncSession, case_id: UUID) -> PlanRead:
    """The plan, flagging identified needs that have no SMART target."""
    targets = await repository.targets(session, case_id)
    latest = await repository.latest_assessment(session, case_id)
    identified = sorted(latest.areas) if latest is not None else []
    covered = {target.area for target in targets}
    missing = [area for area in identified if area not in covered]
    return PlanRead(
        case_id=case_id,
        targets=[TargetRead.of(target) for target in targets],
        identified_areas=identified,
        areas_without_target=missing,
        complete=bool(targets) and not missing,
    )


async def add_target(
    session: AsyncSession, case: ProjectedCase, continuum: Continuum, body: TargetCreate
) -> Target:
    """Add a SMART target for a need the latest assessment identified."""
    involvement = await lifecycle.open_involvement(session, case)
    if involvement.stage not in PLANNING:
        raise ProblemError(
            409,
            "illegal-transition",
            "Targets are set once the involvement reaches planning.",
            stage=involvement.stage,
        )
    await lifecycle.require_scope(session, case.id, "plan")
    unknown_areas(continuum, [body.area], "body", "area")
    latest = await repository.latest_assessment(session, case.id)
    if latest is None or body.area not in latest.areas:
        raise invalid(
            "body",
            "area",
            message="The latest assessment did not identify a need in this area.",
            code="not_identified",
        )
    if body.due_on < lifecycle.today(case):
        raise invalid("body", "due_on", message="A target is due today or later.", code="past")
    target = Target(
        case_id=case.id,
        area=body.area,
        outcome=body.outcome,
        measure=body.measure,
        owner=body.owner,
        due_on=body.due_on,
        created_by=case.principal.practitioner_id,
        created_at=case.now,
    )
    session.add(target)
    await session.flush()
    await contribute(
        session,
        case,
        f"Family Action Plan: target for {body.area.replace('_', ' ')}",
        f"{body.outcome} Measured by: {body.measure}. Owner: {body.owner}. "
        f"Due {body.due_on.isoformat()}.",
    )
    return target


async def review(
    session: AsyncSession, case: ProjectedCase, continuum: Continuum, body: ReviewCreate
) -> Review:
    """Record a review: progress on every target; the outcome decides what happens next."""
    involvement = await lifecycle.open_involvement(session, case)
    if involvement.stage not in REVIEWABLE:
        raise ProblemError(
            409,
            "illegal-transition",
            "Reviews are held once the plan is under way.",
            stage=involvement.stage,
        )
    await lifecycle.require_scope(session, case.id, "plan")
    today = lifecycle.today(case)
    if body.held_on > today:
        raise invalid("body", "held_on", message="A review is recorded once held.", code="future")
    target_ids = {target.id for target in await repository.targets(session, case.id)}
    given = {item.target_id for item in body.progress}
    if given != target_ids:
        raise invalid(
            "body",
            "progress",
            message="Give progress on every target of the plan, and only on them.",
            code="targets_mismatch",
        )
    next_due: date = ENGLAND.add(max(body.held_on, today), continuum.review_interval_working_days)
    row = Review(
        case_id=case.id,
        held_on=body.held_on,
        outcome=body.outcome,
        progress=[item.model_dump(mode="json") for item in body.progress],
        summary=body.summary,
        next_review_due=next_due,
        recorded_by=case.principal.practitioner_id,
        recorded_at=case.now,
    )
    session.add(row)
    involvement.next_review_due = next_due
    involvement.step_up_prompted = body.outcome == "deterioration"
    await session.flush()
    await contribute(session, case, REVIEW_TITLES[body.outcome], body.summary)
    wanted = "do" if body.outcome == "continue" else "review"
    if involvement.stage != wanted:
        await lifecycle.move(session, case, involvement, wanted, f"Review: {body.outcome}")
    return row


async def map_safety(
    session: AsyncSession, case: ProjectedCase, body: SafetyMappingCreate
) -> SafetyMapping:
    """Record a Signs of Safety mapping (part of assessing and reviewing with the family)."""
    await lifecycle.open_involvement(session, case)
    await lifecycle.require_scope(session, case.id, "assessment")
    mapping = SafetyMapping(
        case_id=case.id,
        worries=body.worries,
        working_well=body.working_well,
        needs_to_happen=body.needs_to_happen,
        workers_judgement=body.workers_judgement,
        family_judgement=body.family_judgement,
        recorded_by=case.principal.practitioner_id,
        recorded_at=case.now,
    )
    session.add(mapping)
    await session.flush()
    family = "" if body.family_judgement is None else f", family {body.family_judgement}/10"
    await contribute(
        session,
        case,
        f"Signs of Safety mapping: workers {body.workers_judgement}/10{family}",
        f"Worried about: {body.worries}\nWorking well: {body.working_well}\n"
        f"Needs to happen: {body.needs_to_happen}",
    )
    return mapping


async def overdue(
    session: AsyncSession,
    principal: Principal,
    today: date,
    *,
    team_id: UUID | None,
    practitioner_id: UUID | None,
    limit: int,
) -> list[OverdueReview]:
    """Overdue reviews the caller may see, most overdue first, counted in working days."""
    rows = await repository.overdue(
        session, principal, today, team_id=team_id, practitioner_id=practitioner_id, limit=limit
    )
    return [
        OverdueReview.of(row, working_days_overdue=ENGLAND.between(row.next_review_due, today))
        for row in rows
    ]
