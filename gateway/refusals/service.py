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
    before_seq: int | None,
    address: str | None,
) -> Sequence[Any]:
    """Up to limit+1 token-failure rows, newest first, before the cursor's sequence number."""
    c = audit_log.c
    # Every such row is the anonymous actor's: the (actor_subject, seq) index serves this.
    stmt = select(c.seq, c.occurred_at, c.resource_id, c.details).where(
        c.actor_subject == ANONYMOUS, c.action == TOKEN_REFUSED
    )
    if address is not None:
        stmt = stmt.where(c.resource_id == address)
    if before_seq is not None:
        stmt = stmt.where(c.seq < before_seq)
    result = await session.execute(stmt.order_by(c.seq.desc()).limit(limit + 1))
    return result.all()
