"""Retention of cases for the data protection officer: what fell due, legal holds, reviews.

Nothing here destroys anything: destruction is the operator's `fsm retention destroy`, after a
review recorded here once the case fell due, and never while a legal hold stands.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Path, Query, Request, Response

from services.auditing import Audit, audited
from services.auth import DPO_ROLE, require_any_role
from services.errors import FieldError, ValidationProblem, raises
from services.pagination import Page, PageQuery
from services.principal import Principal
from services.responses import created
from services.retention.rules import schedule_of
from services.routing import kit_router
from services.unit_of_work import DbSession
from workbook_api.retention import classifications, service
from workbook_api.retention.schemas import (
    CertificateRead,
    ClassificationCreate,
    ClassificationRead,
    ClassificationWithdraw,
    DueCase,
    HoldCreate,
    HoldLift,
    HoldRead,
    ReviewCreate,
    ReviewRead,
    RuleRead,
)

router = kit_router(tags=["retention"])
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def parse_day(text: str) -> date:
    """A calendar day (parsed here: pydantic's lax mode would take a number for a day)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationProblem([FieldError(("query", "as_of"), "Not a day.", "date")]) from None


Dpo = Annotated[Principal, Depends(require_any_role(DPO_ROLE))]
CaseId = Annotated[UUID, Path(description="The case")]
HoldId = Annotated[UUID, Path(description="The legal hold")]


@router.get("/retention/rules", summary="Read the retention schedule")
async def read_rules(dpo: Dpo, request: Request) -> list[RuleRead]:
    """How long each kind of record is kept, as this council configured it."""
    schedule = schedule_of(request.app.state.settings)
    return [RuleRead.of(rule) for rule in schedule.values()]


@router.get("/retention/due", summary="List the cases due for retention review")
@audited("list", "retention_due", resource="")
@raises(422)
async def list_due(
    dpo: Dpo,
    request: Request,
    session: DbSession,
    page: PageQuery,
    note: Audit,
    as_of: Annotated[
        str | None,
        Query(
            pattern=DAY_PATTERN,
            json_schema_extra={"format": "date"},
            description="Due by this day (YYYY-MM-DD; default: today, in England)",
        ),
    ] = None,
) -> Page[DueCase]:
    """Closed cases whose retention period has run out by the day, oldest closure first, with
    any legal hold and the last review's decision; destroyed cases are not listed."""
    day = parse_day(as_of) if as_of is not None else await service.today(session)
    items, cursor = await service.due_for_review(session, request.app.state.settings, day, page)
    note.details.update(as_of=day.isoformat(), count=len(items))
    return Page[DueCase](items=items, next_cursor=cursor)


@router.post(
    "/retention/cases/{case_id}/holds", status_code=201, summary="Place a legal hold on a case"
)
@audited("place_hold", "legal_hold", resource="")
@raises(404)
async def place_hold(
    case_id: CaseId,
    body: HoldCreate,
    dpo: Dpo,
    session: DbSession,
    response: Response,
    note: Audit,
) -> HoldRead:
    """Stop the case's destruction, whatever its retention, until the hold is lifted."""
    hold = await service.place_hold(session, case_id, body.reason, dpo)
    note.resource_id = str(hold.id)
    note.case_id = case_id
    created(response, f"/retention/holds/{hold.id}", hold.id, None)
    return hold


@router.get("/retention/holds", summary="List legal holds")
@audited("list", "legal_hold", resource="")
async def list_holds(
    dpo: Dpo,
    session: DbSession,
    page: PageQuery,
    active: Annotated[bool, Query(description="Only holds still standing")] = True,
) -> Page[HoldRead]:
    """Legal holds, newest first."""
    items, cursor = await service.list_holds(session, page, active_only=active)
    return Page[HoldRead](items=items, next_cursor=cursor)


@router.get("/retention/certificates", summary="List destruction certificates")
@audited("list", "destruction_certificate", resource="")
async def list_certificates(dpo: Dpo, session: DbSession, page: PageQuery) -> Page[CertificateRead]:
    """What the operator's `fsm retention destroy` destroyed, newest first: which case, under
    which rule, after whose review, by which operator."""
    items, cursor = await service.list_certificates(session, page)
    return Page[CertificateRead](items=items, next_cursor=cursor)


@router.post("/retention/holds/{hold_id}/lift", summary="Lift a legal hold")
@audited("lift_hold", "legal_hold")
@raises(404, 409)
async def lift_hold(
    hold_id: HoldId, body: HoldLift, dpo: Dpo, session: DbSession, note: Audit
) -> HoldRead:
    """Lift a standing hold, with why; the hold stays on record."""
    hold = await service.lift_hold(session, hold_id, body.reason, dpo)
    note.case_id = hold.case_id
    return hold


@router.post(
    "/retention/cases/{case_id}/reviews",
    status_code=201,
    summary="Record a retention review of a case",
)
@audited("review", "retention", resource="case_id")
@raises(404)
async def review_case(
    case_id: CaseId,
    body: ReviewCreate,
    dpo: Dpo,
    request: Request,
    session: DbSession,
    note: Audit,
) -> ReviewRead:
    """Decide whether a case is destroyed or kept; only a decision to destroy made once the
    case fell due, with no hold standing, lets the operator destroy it."""
    review = await service.record_review(
        session, request.app.state.settings, case_id, body.decision, body.reason, dpo
    )
    note.details.update(decision=review.decision, authorises=review.authorises_destruction)
    return review


ClassificationId = Annotated[UUID, Path(description="The retention classification")]


@router.post(
    "/retention/cases/{case_id}/classifications",
    status_code=201,
    summary="Classify a case's record under a longer retention rule",
)
@audited("classify", "retention_classification", resource="")
@raises(404, 422)
async def classify_case(
    case_id: CaseId,
    body: ClassificationCreate,
    dpo: Dpo,
    session: DbSession,
    response: Response,
    note: Audit,
) -> ClassificationRead:
    """Record that the case's record is kept longer because a child of its family became
    looked after (kept to that child's 75th birthday, never before closure) or was adopted
    (100 years from the order or closure, whichever is later); the case falls due on the
    latest of its own rule and every standing classification. Open cases may be classified."""
    recorded = await classifications.record(session, case_id, body, dpo)
    note.resource_id = str(recorded.id)
    note.case_id = case_id
    note.details.update(kind=recorded.kind, person_id=str(recorded.person_id))
    created(response, f"/retention/cases/{case_id}/classifications", recorded.id, None)
    return recorded


@router.get(
    "/retention/cases/{case_id}/classifications",
    summary="List a case's retention classifications",
)
@audited("list", "retention_classification", resource="case_id")
@raises(404)
async def list_classifications(
    case_id: CaseId, dpo: Dpo, session: DbSession, page: PageQuery
) -> Page[ClassificationRead]:
    """The case's classifications, withdrawn ones too (`standing` false), newest first."""
    items, cursor = await classifications.list_for_case(session, case_id, page)
    return Page[ClassificationRead](items=items, next_cursor=cursor)


@router.post(
    "/retention/classifications/{classification_id}/withdraw",
    summary="Withdraw a retention classification",
)
@audited("withdraw_classification", "retention_classification")
@raises(404, 409)
async def withdraw_classification(
    classification_id: ClassificationId,
    body: ClassificationWithdraw,
    dpo: Dpo,
    session: DbSession,
    note: Audit,
) -> ClassificationRead:
    """Withdraw a standing classification recorded in error, with why; it stays on record and
    no longer lengthens the case's retention."""
    withdrawn = await classifications.withdraw(session, classification_id, body.reason, dpo)
    note.case_id = withdrawn.case_id
    return withdrawn
