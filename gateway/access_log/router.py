"""`/access-log` across every unit for the DPO and auditors, `/me/access-log`: a
practitioner's own history; and each as a streamed CSV export (`export.py`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.access_log.export import AccessLogExport, MergedLog
from gateway.access_log.sources import LogQuestion, read_merged
from gateway.runtime import GatewayRuntime
from services.access_log.filters import LogFilter, log_filter
from services.access_log.schemas import AccessLogEntry
from services.auditing import Audit, RequestAudit, audited
from services.auth import AUDITOR_ROLE, DPO_ROLE, CurrentPrincipal, require_any_role
from services.pagination import Page, PageQuery
from services.principal import Principal
from services.routing import kit_router
from services.streamed_export import CSV_MEDIA_TYPE, ExportResponse, export_outcome
from services.unit_of_work import DbSession, UnitOfWork, Work

router = kit_router(tags=["access log"])

LogReader = Annotated[Principal, Depends(require_any_role(DPO_ROLE, AUDITOR_ROLE))]
Filters = Annotated[LogFilter, Depends(log_filter)]


def _question(request: Request, who: Principal, wanted: LogFilter, own: bool) -> LogQuestion:
    trail = RequestAudit.of(request)
    return LogQuestion(who, wanted, own, trail.purpose if trail is not None else None)


def _runtime(request: Request) -> GatewayRuntime:
    runtime: GatewayRuntime = request.app.state.gateway
    return runtime


@router.get("/access-log", summary="Read the access log of every unit")
@audited("read", "access_log", resource="")
async def read_access_log(
    reader: LogReader,
    request: Request,
    session: DbSession,
    wanted: Filters,
    page: PageQuery,
    note: Audit,
) -> Page[AccessLogEntry]:
    """Who consulted or changed what, when, why and with what outcome, across every unit and
    the directory, newest first: every row for the data protection officer, the rows about their
    own teams' cases for an auditor. Each unit records the read in its own log as well."""
    question = _question(request, reader, wanted, own=False)
    items, cursor = await read_merged(
        session, request.app.state.kernel, _runtime(request).proxy, question, page
    )
    note.details.update(filters=wanted.described(), count=len(items))
    return Page[AccessLogEntry](items=items, next_cursor=cursor)


def _csv_document(description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
            "description": description,
        }
    }


async def _export(
    request: Request,
    session: AsyncSession,
    uow: UnitOfWork,
    question: LogQuestion,
    filename: str,
) -> ExportResponse:
    """Stream the merged log as CSV: the first pages read before the response starts (a unit
    that cannot answer is a 503), then the rest on the connection the request hands over."""
    merged = MergedLog(request.app.state.kernel, _runtime(request).proxy, question)
    await merged.fill(session)
    outcome = export_outcome(request, filters=question.wanted.described())
    return ExportResponse(AccessLogExport(uow.hand_over_connection(), outcome, merged), filename)


@router.get(
    "/access-log/export",
    summary="Export the access log of every unit as CSV",
    response_class=Response,
    responses=_csv_document("Every matching row, newest first, one CSV record each"),
)
@audited("export", "access_log", resource="")
async def export_access_log(
    reader: LogReader,
    request: Request,
    session: DbSession,
    wanted: Filters,
    uow: Work,
) -> Response:
    """Every row the filters match, as CSV, newest first, streamed whatever its size: every row
    for the data protection officer, the rows about their own teams' cases for an auditor.
    Cells a spreadsheet would run as formulas are written as text. A download cut short
    (a unit failed mid-way) ends without its last chunk: an incomplete body, never a whole
    file."""
    question = _question(request, reader, wanted, own=False)
    return await _export(request, session, uow, question, "access-log.csv")


@router.get(
    "/me/access-log/export",
    summary="Export my own access history as CSV",
    response_class=Response,
    responses=_csv_document("Every matching row of your own history, newest first"),
)
@audited("export", "own_access_log", resource="")
async def export_my_access_log(
    principal: CurrentPrincipal,
    request: Request,
    session: DbSession,
    wanted: Filters,
    uow: Work,
) -> Response:
    """What the log of every unit holds about what you did, as CSV, newest first, streamed."""
    question = _question(request, principal, wanted, own=True)
    return await _export(request, session, uow, question, "my-access-log.csv")


@router.get("/me/access-log", summary="Read my own access history")
@audited("read", "own_access_log", resource="")
async def read_my_access_log(
    principal: CurrentPrincipal,
    request: Request,
    session: DbSession,
    wanted: Filters,
    page: PageQuery,
    note: Audit,
) -> Page[AccessLogEntry]:
    """What the log of every unit holds about what you did: each read and change, when, why
    and with what outcome, newest first."""
    question = _question(request, principal, wanted, own=True)
    items, cursor = await read_merged(
        session, request.app.state.kernel, _runtime(request).proxy, question, page
    )
    note.details.update(filters=wanted.described(), count=len(items))
    return Page[AccessLogEntry](items=items, next_cursor=cursor)
