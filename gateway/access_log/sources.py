"""Where the merged log's rows come from: each backend's API as the caller, and the gateway's
own directory log read here."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
import anyio
from pydantic import ValidationError
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.access_log.merge import MergedCursor, merge, unit_cursor
from gateway.proxy import Proxy
from services.access_log import query
from services.access_log.filters import LogFilter
from services.access_log.schemas import AccessLogEntry
from services.errors import ProblemError
from services.kernel_tables import KernelTables
from services.pagination import Page, PageRequest
from services.principal import Principal
from services.registry import BACKENDS, GATEWAY

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2
# Merged order for rows of one instant: the gateway, then the backends as the registry lists them.
RANKS = {unit.name: rank for rank, unit in enumerate((GATEWAY, *BACKENDS))}

# A unit's rows after a cursor, newest first, and that unit's own cursor for the rest (if any).
UnitPage = tuple[Sequence[AccessLogEntry], str | None]


def unavailable(unit: str) -> ProblemError:
    """A unit's log could not be read: the merged log would be incomplete."""
    return ProblemError(
        503,
        "unit-unavailable",
        f"The {unit} service's access log could not be read just now; try again shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


@dataclass(frozen=True)
class LogQuestion:
    """One read of the merged log: who asks, which rows (theirs or the log), with what filter."""

    principal: Principal
    wanted: LogFilter
    own_only: bool
    purpose: str | None


async def backend_page(
    proxy: Proxy, unit: str, question: LogQuestion, cursor: str | None, limit: int
) -> UnitPage:
    path = "/access-log/mine" if question.own_only else "/access-log"
    params = question.wanted.as_params() | {"limit": str(limit)}
    if cursor is not None:
        params["cursor"] = cursor
    try:
        status, body = await proxy.read_as(
            unit, question.principal, path, params=params, purpose=question.purpose
        )
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("access log of %s unreadable: %s", unit, type(exc).__name__)
        raise unavailable(unit) from None
    if status != 200:
        # The gateway checked the role and the filters already: any refusal is the unit's fault.
        log.warning("access log of %s answered %s", unit, status)
        raise unavailable(unit)
    try:
        page = Page[AccessLogEntry].model_validate(body)
    except ValidationError:
        log.warning("access log of %s answered an unreadable page", unit)
        raise unavailable(unit) from None
    return page.items, page.next_cursor


async def own_page(
    session: AsyncSession,
    kernel: KernelTables,
    question: LogQuestion,
    cursor: str | None,
    limit: int,
) -> UnitPage:
    audit_log = kernel.audit_log
    scope: ColumnElement[bool] = (
        query.own_rows(audit_log, question.principal)
        if question.own_only
        else query.readable_rows(audit_log, question.principal, None)
    )
    rows, next_cursor = await query.read_page(
        session, audit_log, scope, question.wanted, None, PageRequest(limit, cursor)
    )
    return [AccessLogEntry.of_row(GATEWAY.name, row) for row in rows], next_cursor


async def read_merged(
    session: AsyncSession,
    kernel: KernelTables,
    proxy: Proxy,
    question: LogQuestion,
    page: PageRequest,
) -> tuple[list[AccessLogEntry], str | None]:
    """One merged page: every unit asked at once for its rows after the cursor."""
    after = MergedCursor.decode(page.cursor, RANKS) if page.cursor is not None else None
    pages: dict[str, UnitPage] = {}
    failures: list[ProblemError] = []

    async def ask(unit: str) -> None:
        try:
            pages[unit] = await backend_page(
                proxy, unit, question, unit_cursor(after, unit, RANKS), page.limit
            )
        except ProblemError as failure:
            # Kept, not raised: a task group would wrap it in an exception group.
            failures.append(failure)

    async with anyio.create_task_group() as group:
        for unit in BACKENDS:
            group.start_soon(ask, unit.name)
        # The gateway's own log on the request's session, while the units answer.
        pages[GATEWAY.name] = await own_page(
            session, kernel, question, unit_cursor(after, GATEWAY.name, RANKS), page.limit
        )
    if failures:
        raise failures[0]
    more = {unit: (items, cursor is not None) for unit, (items, cursor) in pages.items()}
    return merge(more, RANKS, page.limit)
