"""HTTP endpoints for assessments, screening, the Family Action Plan, reviews."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query, Response

from pathway_api.access import SharedEarlyHelpCase, WorkableEarlyHelpCase
from pathway_api.configuration import service as configuration
from pathway_api.plans import repository, service
from pathway_api.plans.schemas import (
    AssessmentCreate,
    AssessmentRead,
    OverdueReview,
    PlanRead,
    ReviewCreate,
    ReviewRead,
    SafetyMappingCreate,
    SafetyMappingRead,
    Screening,
    TargetCreate,
    TargetRead,
)
from services.auditing import Audit, audited
from services.auth import CurrentPrincipal
from services.clock import transaction_now
from services.errors import raises
from services.responses import created
from services.routing import kit_router
from services.unit_of_work import DbSession
from services.working_days import local_date

router = kit_router(tags=["plans and reviews"])


@router.get("/cases/{case_id}/assessments", summary="List the family's assessments")
@audited("list", "assessment", resource="case_id")
async def list_early_help_assessments(
    case: SharedEarlyHelpCase, session: DbSession
) -> list[AssessmentRead]:
    """Whole-family assessments, each screened under the rule it was completed under."""
    return [
        await service.assessment_read(session, a)
        for a in await repository.assessments(session, case.id)
    ]


@router.post("/cases/{case_id}/assessments", status_code=201, summary="Record an assessment")
@audited("create", "assessment", resource="case_id")
@raises(409)
async def record_assessment(
    body: AssessmentCreate,
    case: WorkableEarlyHelpCase,
    response: Response,
    session: DbSession,
    note: Audit,
) -> AssessmentRead:
    """Record a completed whole-family assessment against the headline areas."""
    continuum = await configuration.current(session)
    assessment = await service.assess(session, case, continuum, body)
    note.resource_id, note.case_id = str(assessment.id), case.id
    created(response, f"/cases/{case.id}/assessments/{assessment.id}", assessment.id, None)
    return await service.assessment_read(session, assessment)


@router.get("/cases/{case_id}/screening", summary="Screen for Supporting Families now")
@audited("read", "screening", resource="case_id")
async def read_screening(case: SharedEarlyHelpCase, session: DbSession) -> Screening | None:
    """The latest assessment under the eligibility rule in force (null before an assessment)."""
    return await service.screen_now(session, case.id)


@router.get("/cases/{case_id}/plan", summary="Read the Family Action Plan")
@audited("read", "plan", resource="case_id")
async def read_plan(case: SharedEarlyHelpCase, session: DbSession) -> PlanRead:
    """The plan's SMART targets, and identified needs still without one."""
    return await service.plan(session, case.id)


@router.post("/cases/{case_id}/plan/targets", status_code=201, summary="Add a SMART target")
@audited("create", "plan_target", resource="case_id")
@raises(409)
async def add_target(
    body: TargetCreate,
    case: WorkableEarlyHelpCase,
    response: Response,
    session: DbSession,
    note: Audit,
) -> TargetRead:
    """Add a SMART target (measure, owner, due date) for an identified need."""
    continuum = await configuration.current(session)
    target = await service.add_target(session, case, continuum, body)
    note.resource_id, note.case_id = str(target.id), case.id
    created(response, f"/cases/{case.id}/plan/targets/{target.id}", target.id, None)
    return TargetRead.of(target)


@router.get("/cases/{case_id}/reviews", summary="List the plan's reviews")
@audited("list", "plan_review", resource="case_id")
async def list_reviews(case: SharedEarlyHelpCase, session: DbSession) -> list[ReviewRead]:
    """Every review of the plan, oldest first."""
    return [ReviewRead.of(r) for r in await repository.reviews(session, case.id)]


@router.post("/cases/{case_id}/reviews", status_code=201, summary="Record a review")
@audited("create", "plan_review", resource="case_id")
@raises(409)
async def record_review(
    body: ReviewCreate,
    case: WorkableEarlyHelpCase,
    response: Response,
    session: DbSession,
    note: Audit,
) -> ReviewRead:
    """Record progress on every target and the outcome; the next review falls due."""
    continuum = await configuration.current(session)
    row = await service.review(session, case, continuum, body)
    note.resource_id, note.case_id = str(row.id), case.id
    created(response, f"/cases/{case.id}/reviews/{row.id}", row.id, None)
    return ReviewRead.of(row)


@router.get("/cases/{case_id}/safety-mappings", summary="List Signs of Safety mappings")
@audited("list", "safety_mapping", resource="case_id")
async def list_safety_mappings(
    case: SharedEarlyHelpCase, session: DbSession
) -> list[SafetyMappingRead]:
    """The family's Signs of Safety mappings, oldest first: the safety scale over time."""
    return [SafetyMappingRead.of(m) for m in await repository.safety_mappings(session, case.id)]


@router.post(
    "/cases/{case_id}/safety-mappings", status_code=201, summary="Record a Signs of Safety mapping"
)
@audited("create", "safety_mapping", resource="case_id")
@raises(409)
async def map_safety(
    body: SafetyMappingCreate,
    case: WorkableEarlyHelpCase,
    response: Response,
    session: DbSession,
    note: Audit,
) -> SafetyMappingRead:
    """Worries, what is working well, what needs to happen, and the 0-10 judgements."""
    mapping = await service.map_safety(session, case, body)
    note.resource_id, note.case_id = str(mapping.id), case.id
    created(response, f"/cases/{case.id}/safety-mappings/{mapping.id}", mapping.id, None)
    return SafetyMappingRead.of(mapping)


@router.get("/reviews/overdue", summary="List overdue reviews")
@audited("list", "plan_review", resource="")
async def list_overdue(
    session: DbSession,
    principal: CurrentPrincipal,
    note: Audit,
    team_id: Annotated[UUID | None, Query(description="Cases owned by this team")] = None,
    practitioner_id: Annotated[
        UUID | None, Query(description="Cases this practitioner leads")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[OverdueReview]:
    """Plans under way whose review is overdue, on cases the caller may see, in working days."""
    today = local_date(await transaction_now(session))
    rows = await service.overdue(
        session, principal, today, team_id=team_id, practitioner_id=practitioner_id, limit=limit
    )
    note.details["count"] = len(rows)
    return rows
