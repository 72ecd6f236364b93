"""`/access-log` across every unit for the DPO and auditors, its CSV export, and
`/me/access-log`: a practitioner's own history."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from gateway.access_log.sources import LogQuestion, read_merged
from gateway.runtime import GatewayRuntime
from services.access_log.filters import LogFilter, log_filter
from services.access_log.schemas import CSV_COLUMNS, AccessLogEntry, csv_cells
from services.auditing import Audit, RequestAudit, audited
from services.auth import AUDITOR_ROLE, DPO_ROLE, CurrentPrincipal, require_any_role
from services.csv_export import csv_line
from services.errors import ProblemError, raises
from services.pagination import MAX_LIMIT, Page, PageQuery, PageRequest
from services.principal import Principal
from services.routing import kit_router
from services.unit_of_work import DbSession

router = kit_router(tags=["access log"])

LogReader = Annotated[Principal, Depends(require_any_role(DPO_ROLE, AUDITOR_ROLE))]
Filters = Annotated[LogFilter, Depends(log_filter)]
CSV_MEDIA_TYPE = "text/csv"
# An export is one answer held in memory; more than this is a question to narrow.
MAX_EXPORT_ROWS = 50_000


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


@router.get(
    "/access-log/export",
    summary="Export the access log of every unit as CSV",
    response_class=Response,
    responses={
        200: {
            "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
            "description": "Every matching row, newest first, one CSV record each",
        }
    },
)
@audited("export", "access_log", resource="")
@raises(422)
async def export_access_log(
    reader: LogReader,
    request: Request,
    session: DbSession,
    wanted: Filters,
    note: Audit,
) -> Response:
    """Every row the filters match (at most 50,000: narrow the window beyond that), as CSV;
    cells a spreadsheet would run as formulas are written as text."""
    question = _question(request, reader, wanted, own=False)
    proxy = _runtime(request).proxy
    rows: list[AccessLogEntry] = []
    page = PageRequest(MAX_LIMIT, None)
    while True:
        items, cursor = await read_merged(session, request.app.state.kernel, proxy, question, page)
        rows += items
        if len(rows) > MAX_EXPORT_ROWS:
            raise ProblemError(
                422,
                "export-too-large",
                f"More than {MAX_EXPORT_ROWS} rows match; narrow the filters or the window.",
            )
        if cursor is None:
            break
        page = PageRequest(MAX_LIMIT, cursor)
    note.details.update(filters=wanted.described(), count=len(rows))
    body = csv_line(CSV_COLUMNS) + "".join(csv_line(csv_cells(row)) for row in rows)
    return Response(
        body,
        media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="access-log.csv"'},
    )


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
