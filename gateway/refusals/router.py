"""Operators' view of refused access at the gateway: failed authentications by address."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status

from gateway.directory.dependencies import Administrator
from gateway.refusals import service
from gateway.refusals.schemas import TokenFailureWindowRead
from services.app import route_responses
from services.db import DbSession
from services.errors import ProblemError
from services.pagination import Page, decode_cursor, page_params, split_page

router = APIRouter(prefix="/directory", tags=["refusals"])

PageParams = Annotated[tuple[int, str | None], Depends(page_params)]


def _seq_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    (seq,) = decode_cursor(cursor, 1)
    try:
        value = int(seq)
    except (TypeError, ValueError) as exc:
        raise ProblemError(400, "invalid-cursor", "The cursor is not valid.") from exc
    if not 0 < value < 2**63:
        raise ProblemError(400, "invalid-cursor", "The cursor is not valid.")
    return value


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


@router.get(
    "/token-failures",
    status_code=status.HTTP_200_OK,
    responses=route_responses(400, 401, 403, 422),
)
async def list_token_failures(
    admin: Administrator,
    session: DbSession,
    request: Request,
    page: PageParams,
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
    limit, cursor = page
    rows = await service.list_token_failure_windows(
        session,
        request.app.state.kernel.audit_log,
        limit=limit,
        before_seq=_seq_cursor(cursor),
        address=address,
    )
    items, next_cursor = split_page(rows, limit, lambda row: (row.seq,))
    return Page(items=[_window(row) for row in items], next_cursor=next_cursor)
