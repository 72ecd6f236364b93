"""HTTP endpoints for enrolments: enrol with a plan, read, record progress, change the plan, end;
the family view of a case and the caseload view."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query, Response

from intervention_api.access import ReadableCase, WorkingCase
from intervention_api.enrolments.dependencies import ChangingEnrolment, ReadableEnrolment
from intervention_api.enrolments.schemas import (
    CaseloadItem,
    CaseProgramme,
    EnrolmentCreate,
    EnrolmentEnd,
    EnrolmentRead,
    PlanUpdate,
    ProgressChangeRead,
    ProgressUpdate,
)
from intervention_api.enrolments.service import enrolling, planning, progress, views
from services.auditing import Audit, audited
from services.auth import CurrentPrincipal
from services.clock import transaction_now
from services.concurrency import set_etag
from services.errors import raises
from services.pagination import Page, PageQuery
from services.responses import created
from services.routing import kit_router
from services.unit_calls import CallerCalls
from services.unit_of_work import DbSession
from services.working_days import local_date

router = kit_router(tags=["enrolments"])


def _respond(response: Response, view: EnrolmentRead) -> EnrolmentRead:
    set_etag(response, view.id, view.version)
    return view


@router.post("/cases/{case_id}/enrolments", status_code=201, summary="Enrol on a programme")
@audited("create", "enrolment", resource="")
@raises(409, 422)
async def create_enrolment(
    body: EnrolmentCreate,
    case: WorkingCase,
    principal: CurrentPrincipal,
    session: DbSession,
    response: Response,
    note: Audit,
    calls: CallerCalls,
) -> EnrolmentRead:
    """Enrol a parent (or the family) on a programme version, with the plan: which modules,
    in what order, with which allocated worker, due within how many working days. A parent
    must be an adult member of the case's family as the workbook tells the caller."""
    enrolment, _ = await enrolling.enrol(session, case, principal, body, calls)
    note.resource_id = str(enrolment.id)
    note.details.update(programme_id=str(body.programme_id), modules=len(body.plan))
    view = await views.one_view(session, enrolment, local_date(case.now))
    created(response, f"/cases/{case.id}/enrolments/{enrolment.id}", enrolment.id, view.version)
    return view


@router.get("/cases/{case_id}/enrolments", summary="The programme on a case (family view)")
@audited("list", "enrolment", resource="")
async def get_case_programme(case: ReadableCase, session: DbSession) -> CaseProgramme:
    """Every enrolment on the case: who is on which module, what is overdue, attendance."""
    return await views.case_programme(session, case)


@router.get("/cases/{case_id}/enrolments/{enrolment_id}", summary="Read an enrolment")
@audited("read", "enrolment")
async def get_enrolment(
    target: ReadableEnrolment, session: DbSession, response: Response
) -> EnrolmentRead:
    """An enrolment, its plan and each module's progress."""
    view = await views.one_view(session, target.enrolment, local_date(target.case.now))
    return _respond(response, view)


@router.post(
    "/cases/{case_id}/enrolments/{enrolment_id}/progress", summary="Record a module's progress"
)
@audited("update", "enrolment")
@raises(409, 422)
async def record_progress(
    body: ProgressUpdate,
    target: ChangingEnrolment,
    principal: CurrentPrincipal,
    session: DbSession,
    response: Response,
    note: Audit,
) -> EnrolmentRead:
    """Set a planned module to not started, in progress, completed, or not applicable (with a
    reason); send If-Match."""
    await progress.update_progress(session, target.case, principal, target.enrolment, body)
    note.details.update(module_code=body.module_code, status=body.status)
    view = await views.one_view(session, target.enrolment, local_date(target.case.now))
    return _respond(response, view)


@router.post("/cases/{case_id}/enrolments/{enrolment_id}/plan", summary="Change a plan")
@audited("replan", "enrolment")
@raises(409, 422)
async def change_plan(
    body: PlanUpdate,
    target: ChangingEnrolment,
    session: DbSession,
    response: Response,
    note: Audit,
) -> EnrolmentRead:
    """Reorder the plan, add modules, change workers or due dates (send If-Match); progress is
    kept, and a module with progress or sessions stays in the plan."""
    await planning.replan(session, target.case, target.enrolment, body)
    note.details["modules"] = [item.module_code for item in body.plan]
    view = await views.one_view(session, target.enrolment, local_date(target.case.now))
    return _respond(response, view)


@router.post("/cases/{case_id}/enrolments/{enrolment_id}/end", summary="End an enrolment")
@audited("end", "enrolment")
@raises(409)
async def end_enrolment(
    body: EnrolmentEnd, target: ChangingEnrolment, session: DbSession, response: Response
) -> EnrolmentRead:
    """End an enrolment with a reason (send If-Match); its record is kept."""
    await enrolling.end_enrolment(session, target.case, target.enrolment, body.reason)
    view = await views.one_view(session, target.enrolment, local_date(target.case.now))
    return _respond(response, view)


@router.get("/caseload", summary="The programme caseload")
@audited("list", "enrolment", resource="")
async def get_caseload(
    principal: CurrentPrincipal,
    session: DbSession,
    page: PageQuery,
    note: Audit,
    team_id: Annotated[UUID | None, Query(description="Only this team's cases")] = None,
) -> Page[CaseloadItem]:
    """Active enrolments on the open cases you may see (a manager: the team's), where each
    family has got to, in enrolment order, a page at a time."""
    today = local_date(await transaction_now(session))
    items, next_cursor = await views.caseload(session, principal, team_id, today, page)
    note.details["count"] = len(items)
    return Page[CaseloadItem](items=items, next_cursor=next_cursor)


@router.get(
    "/cases/{case_id}/enrolments/{enrolment_id}/progress-history",
    summary="An enrolment's progress history",
)
@audited("list", "module_progress_change", resource="enrolment_id")
async def get_progress_history(
    target: ReadableEnrolment, session: DbSession, page: PageQuery, note: Audit
) -> Page[ProgressChangeRead]:
    """Every change of the plan's modules' progress, oldest first: who, when, from, to, why
    (or the attended session that started a module)."""
    items, next_cursor = await views.progress_history(session, target.enrolment, page)
    note.details["count"] = len(items)
    return Page[ProgressChangeRead](items=items, next_cursor=next_cursor)
