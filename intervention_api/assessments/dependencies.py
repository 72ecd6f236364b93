"""Load-or-404 dependencies for parenting assessments, each carrying who may do what.

The case's allocated workers and its team's managers write and read; auditors of the team read
(a case-file audit); only the team's managers sign off or return. The order is the kit's: role
(403), the version on a case the caller may see (404), their standing on the case (403), the
case's state (409), the version they saw (If-Match: 428/412). The lifecycle's own rules
(a draft to edit, a submission to decide) are the service's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Path

from intervention_api.assessments import repository
from intervention_api.assessments.models import Assessment
from intervention_api.models import projection
from services.auditing import Audit
from services.auth import require_any_role
from services.concurrency import IfMatch, check_if_match
from services.errors import Forbidden, NotFound, ProblemError, raises
from services.principal import Principal
from services.projection import ProjectedCase, ProjectedCaseNotFound
from services.unit_of_work import DbSession

WRITING_ROLES = ("practitioner", "team_manager")
READING_ROLES = ("practitioner", "team_manager", "auditor")
MANAGER_ROLE = "team_manager"

Writer = Annotated[Principal, Depends(require_any_role(*WRITING_ROLES))]
Reader = Annotated[Principal, Depends(require_any_role(*READING_ROLES))]
Manager = Annotated[Principal, Depends(require_any_role(MANAGER_ROLE))]
AssessmentId = Annotated[UUID, Path(description="The assessment version")]


@dataclass(frozen=True)
class AssessmentTarget:
    """A version the caller may see, and the case it assesses with the caller's standing."""

    assessment: Assessment
    case: ProjectedCase


def case_closed() -> ProblemError:
    """The one answer to a change on a closed case."""
    return ProblemError(409, "case-closed", "The case is closed; its assessments are read-only.")


async def load_case(session: DbSession, principal: Principal, case_id: UUID) -> ProjectedCase:
    """The case with the caller's standing, or the 404 of a missing one."""
    return await projection.rule.load(session, principal, case_id)


async def case_to_write_on(
    session: DbSession, principal: Principal, case_id: UUID
) -> ProjectedCase:
    """A case named in a body (a new assessment's) that the caller works on and is open.

    The same answers, in the same order, as the dependencies below give for a path's case.
    """
    try:
        case = await load_case(session, principal, case_id)
    except ProjectedCaseNotFound:
        raise NotFound("case") from None
    if not case.may_work:
        raise Forbidden("Only workers allocated to the case and its managers write assessments.")
    if not case.is_open:
        raise case_closed()
    return case


async def _target(
    session: DbSession, principal: Principal, assessment_id: UUID, note: Audit, *, lock: bool
) -> AssessmentTarget:
    assessment = await repository.load_visible(session, principal, assessment_id, lock=lock)
    if assessment is None:
        raise NotFound("assessment")
    note.case_id = assessment.case_id
    try:
        case = await load_case(session, principal, assessment.case_id)
    except ProjectedCaseNotFound:
        # The allocation ended between the two statements: the same answer as before it did.
        raise NotFound("assessment") from None
    return AssessmentTarget(assessment, case)


@raises(403, 404)
async def readable_assessment(
    assessment_id: AssessmentId, principal: Reader, session: DbSession, note: Audit
) -> AssessmentTarget:
    """A version on a case the caller may see, for a role that reads assessments."""
    return await _target(session, principal, assessment_id, note, lock=False)


@raises(403, 404, 409, 412, 428)
async def workable_assessment(
    assessment_id: AssessmentId,
    principal: Writer,
    session: DbSession,
    note: Audit,
    if_match: IfMatch = None,
) -> AssessmentTarget:
    """A version the caller works on (allocated now, or the team's manager), locked, as seen."""
    target = await _target(session, principal, assessment_id, note, lock=True)
    if not target.case.may_work:
        raise Forbidden("Only workers allocated to the case and its managers write assessments.")
    if not target.case.is_open:
        raise case_closed()
    check_if_match(if_match, target.assessment.id, target.assessment.version)
    return target


@raises(403, 404, 409, 412, 428)
async def decidable_assessment(
    assessment_id: AssessmentId,
    principal: Manager,
    session: DbSession,
    note: Audit,
    if_match: IfMatch = None,
) -> AssessmentTarget:
    """A version on a case the caller manages, locked, as seen: to sign off or return."""
    target = await _target(session, principal, assessment_id, note, lock=True)
    if not target.case.manages:
        raise Forbidden("Only a manager of the team that owns this case signs off assessments.")
    if not target.case.is_open:
        raise case_closed()
    check_if_match(if_match, target.assessment.id, target.assessment.version)
    return target


ReadableAssessment = Annotated[AssessmentTarget, Depends(readable_assessment)]
WorkableAssessment = Annotated[AssessmentTarget, Depends(workable_assessment)]
DecidableAssessment = Annotated[AssessmentTarget, Depends(decidable_assessment)]
