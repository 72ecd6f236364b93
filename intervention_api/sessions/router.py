"""HTTP endpoints for programme sessions and their MITI codings."""

from __future__ import annotations

from fastapi import Response

from intervention_api.enrolments.dependencies import ReadableEnrolment, WorkingEnrolment
from intervention_api.practice import service as practice
from intervention_api.practice.schemas import MitiCodingCreate, MitiCodingRead
from intervention_api.sessions import repository, service
from intervention_api.sessions.dependencies import SessionId, load_session_row
from intervention_api.sessions.schemas import SessionCreate, SessionRead, SessionWithdrawal
from services.auditing import Audit, audited
from services.auth import CurrentPrincipal
from services.errors import raises
from services.pagination import Page, PageQuery
from services.responses import created
from services.routing import kit_router
from services.unit_of_work import DbSession

router = kit_router(tags=["sessions"])
BASE = "/cases/{case_id}/enrolments/{enrolment_id}/sessions"


@router.post(BASE, status_code=201, summary="Log a programme session")
@audited("create", "programme_session", resource="")
@raises(409, 422)
async def log_session(
    body: SessionCreate,
    target: WorkingEnrolment,
    principal: CurrentPrincipal,
    session: DbSession,
    response: Response,
    note: Audit,
) -> SessionRead:
    """Log a session (send an Idempotency-Key: a session logged offline and sent again is
    recorded once). Its summary goes on the case's chronology; its restricted detail does not."""
    logged = await service.log_session(session, target.case, principal, target.enrolment, body)
    note.resource_id = str(logged.id)
    note.details.update(
        attendance=logged.attendance, restricted=logged.restricted_detail is not None
    )
    row = await load_session_row(session, target, logged.id)
    path = f"/cases/{target.case.id}/enrolments/{target.enrolment.id}/sessions/{logged.id}"
    created(response, path, logged.id, None)
    return (await service.views(session, [row]))[0]


@router.get(BASE, summary="List an enrolment's sessions")
@audited("list", "programme_session", resource="")
async def list_sessions(
    target: ReadableEnrolment, session: DbSession, page: PageQuery, note: Audit
) -> Page[SessionRead]:
    """The enrolment's sessions, latest first; restricted detail only where the rule admits."""
    rows, next_cursor = await repository.page(session, target.case, target.enrolment.id, page)
    note.details["count"] = len(rows)
    return Page[SessionRead](items=await service.views(session, rows), next_cursor=next_cursor)


@router.get(f"{BASE}/{{session_id}}", summary="Read a programme session")
@audited("read", "programme_session")
@raises(404)
async def get_session(
    session_id: SessionId, target: ReadableEnrolment, session: DbSession, note: Audit
) -> SessionRead:
    """A session, its restricted detail where the rule admits, and its MITI codings."""
    row = await load_session_row(session, target, session_id)
    note.details["detail_withheld"] = bool(row.detail_withheld)
    return (await service.views(session, [row]))[0]


@router.post(f"{BASE}/{{session_id}}/codings", status_code=201, summary="Code a session (MITI)")
@audited("create", "miti_coding", resource="session_id")
@raises(404, 409)
async def code_session(
    session_id: SessionId,
    body: MitiCodingCreate,
    target: WorkingEnrolment,
    principal: CurrentPrincipal,
    session: DbSession,
    response: Response,
) -> MitiCodingRead:
    """Code the session with MITI 4.2.1, as its worker or as an observer; the answer carries
    the summary measures against the published thresholds."""
    row = await load_session_row(session, target, session_id)
    logged = row[0]
    coding = await practice.code_session(
        session,
        principal,
        session_id,
        logged.worker_id,
        body,
        withdrawn=logged.withdrawn_at is not None,
    )
    path = f"/cases/{target.case.id}/enrolments/{target.enrolment.id}/sessions/{session_id}"
    created(response, path, coding.id, None)
    return practice.coding_read(coding)


@router.post(f"{BASE}/{{session_id}}/withdraw", summary="Withdraw a session logged in error")
@audited("withdraw", "programme_session")
@raises(403, 404, 409)
async def withdraw_session(
    session_id: SessionId,
    body: SessionWithdrawal,
    target: WorkingEnrolment,
    principal: CurrentPrincipal,
    session: DbSession,
) -> SessionRead:
    """Withdraw a session as entered in error, with the reason (its recorder or a manager). It
    is kept and shown withdrawn, and counts in no attendance or practice figure."""
    row = await load_session_row(session, target, session_id, lock=True)
    await service.withdraw_session(session, target.case, principal, row[0], body.reason)
    row = await load_session_row(session, target, session_id)
    return (await service.views(session, [row]))[0]
