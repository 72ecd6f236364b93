"""Reading refusals back from the directory's audit log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.refusals.token_failures import ACTION as TOKEN_REFUSED
from services.audit import ANONYMOUS


async def list_token_failure_windows(
    session: AsyncSession,
    audit_log: Table,
    *,
    limit: int,
    before_position: int | None,
    address: str | None,
) -> Sequence[Any]:
    """Up to limit+1 token-failure rows, newest first, before the cursor's log position."""
    c = audit_log.c
    # Every such row is the anonymous actor's: the (actor_subject, position) index serves this.
    # Position, not seq: a row is listed as soon as it is written, sealed or not.
    stmt = select(c.position, c.occurred_at, c.resource_id, c.details).where(
        c.actor_subject == ANONYMOUS, c.action == TOKEN_REFUSED
    )
    if address is not None:
        stmt = stmt.where(c.resource_id == address)
    if before_position is not None:
        stmt = stmt.where(c.position < before_position)
    result = await session.execute(stmt.order_by(c.position.desc()).limit(limit + 1))
    return result.all()
