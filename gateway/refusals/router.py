"""Operators' view of refused access at the gateway: failed authentications by address."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from sqlalchemy import literal_column

from gateway.directory.dependencies import Administrator
from gateway.refusals import service
from gateway.refusals.schemas import TokenFailureWindowRead
from services.pagination import Keyset, Page, PageQuery
from services.routing import kit_router
from services.unit_of_work import DbSession

router = kit_router(tags=["refusals"])


def _log_position(value: Any) -> int:
    position = int(value)
    if not 0 < position < 2**63:
        raise ValueError("out of range")
    return position


# Windows are audit rows: newest first by their place in the audit log.
WINDOW_ORDER = Keyset((literal_column("position"), _log_position))


def _window(row: Any) -> TokenFailureWindowRead:
    details = row.details
    return TokenFailureWindowRead(
        address=row.resource_id,
        window_start=details["window_start"],
        window_end=details["window_end"],
        count=details["count"],
        reasons=details["reasons"],
        token_prefixes=details["token_prefixes"],
        first_request_id=details["first_request_id"],
        recorded_at=row.occurred_at,
    )


@router.get("/directory/token-failures", summary="List failed sign-ins by address")
async def list_token_failures(
    admin: Administrator,
    session: DbSession,
    request: Request,
    page: PageQuery,
    address: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=r"^[0-9A-Za-z.:/-]+$",
            description="Only this client address (an IPv4 address or an IPv6 /64)",
        ),
    ] = None,
) -> Page[TokenFailureWindowRead]:
    """List failed authentications per client address and window, newest first (admins)."""
    after = WINDOW_ORDER.after(page)
    rows = await service.list_token_failure_windows(
        session,
        request.app.state.kernel.audit_log,
        limit=page.limit,
        before_position=after[0] if after is not None else None,
        address=address,
    )
    items, next_cursor = WINDOW_ORDER.page(rows, page, lambda row: (row.position,))
    return Page(items=[_window(row) for row in items], next_cursor=next_cursor)
