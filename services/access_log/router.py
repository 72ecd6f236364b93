"""Each unit's own access log: `/access-log` for the DPO and auditors, `/access-log/mine`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import ColumnElement

from services.access_log import query
from services.access_log.filters import LogFilter, log_filter
from services.access_log.ownership import CaseOwnership
from services.access_log.schemas import AccessLogEntry
from services.auditing import Audit, audited
from services.auth import AUDITOR_ROLE, DPO_ROLE, CurrentPrincipal, require_any_role
from services.pagination import Page, PageQuery
from services.principal import Principal
from services.registry import Unit
from services.routing import kit_router
from services.unit_of_work import DbSession

LogReader = Annotated[Principal, Depends(require_any_role(DPO_ROLE, AUDITOR_ROLE))]
Filters = Annotated[LogFilter, Depends(log_filter)]
BASE = "/access-log"


def access_log_router(unit: Unit, ownership: CaseOwnership | None) -> APIRouter:
    """The access log of one unit (operation ids carry the unit's name)."""
    router = kit_router(tags=["access log"])

    async def page_of(
        request: Request,
        session: DbSession,
        scope: ColumnElement[bool],
        wanted: LogFilter,
        page: PageQuery,
        note: Audit,
    ) -> Page[AccessLogEntry]:
        audit_log = request.app.state.kernel.audit_log
        rows, cursor = await query.read_page(session, audit_log, scope, wanted, ownership, page)
        note.details.update(filters=wanted.described(), count=len(rows))
        items = [AccessLogEntry.of_row(unit.name, row) for row in rows]
        return Page[AccessLogEntry](items=items, next_cursor=cursor)

    @router.get(
        BASE,
        summary="Read this unit's access log",
        operation_id=f"read_{unit.name}_access_log",
    )
    @audited("read", "access_log", resource="")
    async def read_access_log(
        reader: LogReader,
        request: Request,
        session: DbSession,
        wanted: Filters,
        page: PageQuery,
        note: Audit,
    ) -> Page[AccessLogEntry]:
        """Who consulted or changed what, when, why and with what outcome, newest first: every
        row for the data protection officer, the rows about their own teams' cases for an
        auditor. The gateway's `/access-log` asks every unit at once."""
        audit_log = request.app.state.kernel.audit_log
        scope = query.readable_rows(audit_log, reader, ownership)
        return await page_of(request, session, scope, wanted, page, note)

    @router.get(
        f"{BASE}/mine",
        summary="Read my own access history in this unit",
        operation_id=f"read_my_{unit.name}_access_log",
    )
    @audited("read", "own_access_log", resource="")
    async def read_my_access_log(
        principal: CurrentPrincipal,
        request: Request,
        session: DbSession,
        wanted: Filters,
        page: PageQuery,
        note: Audit,
    ) -> Page[AccessLogEntry]:
        """The rows that name the caller as the one who acted, newest first."""
        audit_log = request.app.state.kernel.audit_log
        scope = query.own_rows(audit_log, principal)
        return await page_of(request, session, scope, wanted, page, note)

    return router
