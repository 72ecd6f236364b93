"""HTTP endpoints for parenting assessments: start, list, read, edit, decide, revise, print."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query, Response

from intervention_api.assessments import document, service
from intervention_api.assessments.dependencies import (
    DecidableAssessment,
    ReadableAssessment,
    Reader,
    WorkableAssessment,
    Writer,
    case_to_write_on,
)
from intervention_api.assessments.schemas import (
    AssessmentCreate,
    AssessmentOut,
    AssessmentStatus,
    AssessmentSummary,
    AssessmentUpdate,
    ReturnDecision,
    SignOffDecision,
)
from services.auditing import Audit, audited
from services.clock import transaction_now
from services.documents.process import Layout
from services.errors import ProblemError, raises
from services.pagination import Page, PageQuery
from services.responses import created
from services.routing import kit_router
from services.unit_calls import CallerCalls
from services.unit_of_work import DbSession

router = kit_router(tags=["assessments"])


def assessment_location(assessment_id: UUID) -> str:
    """The version's path as this service mounts it (the gateway adds its prefix)."""
    return f"/assessments/{assessment_id}"


def respond(response: Response, view: AssessmentOut) -> AssessmentOut:
    """Send a version with its ETag."""
    response.headers["ETag"] = view.etag
    return view


@router.post("/assessments", status_code=201, summary="Start a parenting assessment")
@audited("create", "parenting_assessment", resource="")
@raises(403, 404, 409)
async def create_assessment(
    body: AssessmentCreate,
    principal: Writer,
    response: Response,
    session: DbSession,
    note: Audit,
) -> AssessmentOut:
    """Start a case's parenting assessment: version 1, a draft with the sections asked for."""
    note.case_id = body.case_id
    case = await case_to_write_on(session, principal, body.case_id)
    assessment = await service.start(session, case, body)
    note.resource_id = str(assessment.id)
    view = await service.view(session, assessment)
    created(response, assessment_location(assessment.id), assessment.id, assessment.version)
    return view


@router.get("/assessments", summary="List parenting assessments")
@audited("list", "parenting_assessment", resource="")
async def list_assessments(
    principal: Reader,
    session: DbSession,
    page: PageQuery,
    note: Audit,
    case_id: Annotated[UUID | None, Query(description="Only this case's")] = None,
    status: Annotated[
        AssessmentStatus | None,
        Query(description="Only versions in this state (`submitted`: awaiting sign-off)"),
    ] = None,
) -> Page[AssessmentSummary]:
    """Every version of every assessment the caller may see (of one case, in one state, if
    asked), newest first."""
    note.case_id = case_id
    items, next_cursor = await service.list_versions(session, principal, case_id, status, page)
    note.details["count"] = len(items)
    return Page[AssessmentSummary](items=items, next_cursor=next_cursor)


@router.get("/assessments/{assessment_id}", summary="Read a parenting assessment")
@audited("read", "parenting_assessment")
async def get_assessment(
    target: ReadableAssessment, response: Response, session: DbSession
) -> AssessmentOut:
    """A version whole: its sections, their evidence, its history, and what superseded it."""
    return respond(response, await service.view(session, target.assessment))


@router.patch("/assessments/{assessment_id}", summary="Edit a draft parenting assessment")
@audited("update", "parenting_assessment")
@raises(409, 422)
async def update_assessment(
    body: AssessmentUpdate,
    target: WorkableAssessment,
    calls: CallerCalls,
    response: Response,
    session: DbSession,
    note: Audit,
) -> AssessmentOut:
    """Change the title, and sections' analysis and evidence (send If-Match); new evidence is
    checked with the workbook as you: each must be a final entry of this case you may read."""
    note.details["changed"] = await service.update(session, target, body, calls)
    return respond(response, await service.view(session, target.assessment))


@router.post("/assessments/{assessment_id}/submit", summary="Submit a parenting assessment")
@audited("submit", "parenting_assessment")
@raises(409)
async def submit_assessment(
    target: WorkableAssessment, calls: CallerCalls, response: Response, session: DbSession
) -> AssessmentOut:
    """Send the draft to the team's managers for sign-off (send If-Match); every section needs
    its analysis, and its evidence must still be final entries you may read."""
    await service.submit(session, target, calls)
    return respond(response, await service.view(session, target.assessment))


@router.post("/assessments/{assessment_id}/return", summary="Return a parenting assessment")
@audited("return", "parenting_assessment")
@raises(409)
async def return_assessment(
    body: ReturnDecision, target: DecidableAssessment, response: Response, session: DbSession
) -> AssessmentOut:
    """Send a submitted assessment back to draft with comments (managers; send If-Match)."""
    await service.return_to_author(session, target, body.comments)
    return respond(response, await service.view(session, target.assessment))


@router.post("/assessments/{assessment_id}/sign-off", summary="Sign off a parenting assessment")
@audited("sign_off", "parenting_assessment")
@raises(403, 409)
async def sign_off_assessment(
    body: SignOffDecision,
    target: DecidableAssessment,
    calls: CallerCalls,
    response: Response,
    session: DbSession,
) -> AssessmentOut:
    """Sign a submitted assessment off (managers other than its author; send If-Match): it
    never changes again, and goes on the case's chronology. Its evidence is checked again."""
    await service.sign_off(session, target, body.comment, calls)
    return respond(response, await service.view(session, target.assessment))


@router.post(
    "/assessments/{assessment_id}/versions",
    status_code=201,
    summary="Start a new version of a signed-off parenting assessment",
)
@audited("revise", "parenting_assessment")
@raises(409)
async def revise_assessment(
    target: WorkableAssessment, response: Response, session: DbSession, note: Audit
) -> AssessmentOut:
    """A new draft copying the signed-off version (send its If-Match); once signed off, it
    supersedes it. The signed-off version stays as it is, and readable."""
    assessment = await service.new_version(session, target)
    note.details["new_version_id"] = str(assessment.id)
    view = await service.view(session, assessment)
    created(response, assessment_location(assessment.id), assessment.id, assessment.version)
    return view


PDF_MEDIA_TYPE = "application/pdf"


class PdfResponse(Response):
    """A PDF document."""

    media_type = PDF_MEDIA_TYPE


@router.get(
    "/assessments/{assessment_id}/document",
    response_class=PdfResponse,
    responses={
        200: {
            "content": {PDF_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The signed-off version as a PDF, for a court bundle",
        }
    },
    summary="Print a signed-off parenting assessment",
)
@audited("export", "parenting_assessment")
@raises(409)
async def get_assessment_document(
    target: ReadableAssessment,
    calls: CallerCalls,
    session: DbSession,
    note: Audit,
    layout: Layout,
) -> PdfResponse:
    """The signed-off version as a PDF: the family, its sections, evidence, sign-off and page
    numbers."""
    if target.assessment.status != "signed_off":
        raise ProblemError(
            409,
            "assessment-not-signed-off",
            "Only a signed-off assessment is printed for a bundle; this one is "
            f"{target.assessment.status.replace('_', ' ')}.",
        )
    view = await service.view(session, target.assessment)
    now = await transaction_now(session)
    family_name = await service.family_name(calls, view.case_id)
    # Laying out pages holds the interpreter: in a child process, so other requests keep moving.
    content = await layout.run(document.render, document.printable(view), now, family_name)
    note.details["bytes"] = len(content)
    filename = f"parenting-assessment-{view.series_id}-v{view.number}.pdf"
    return PdfResponse(
        content, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
