"""One clock per transaction: the database's `now()`, read once and remembered.

Visibility rules compare allocations and grants with `now()` inside SQL, so the times a request
writes must come from the same clock: never `datetime.now()` beside the database's. `now()` is
the transaction's start time, so every read of it in one transaction agrees.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

_NOW_KEY = "fsm.transaction_now"


async def transaction_now(session: AsyncSession) -> datetime:
    """The current transaction's `now()`, queried at most once per transaction."""
    now: datetime | None = session.info.get(_NOW_KEY)
    if now is None:
        now = await session.scalar(select(func.now()))
        assert now is not None
        session.info[_NOW_KEY] = now
    return now


def remember_transaction_now(session: AsyncSession, now: datetime) -> None:
    """Keep a `now()` another query of this transaction already selected (saves a round trip)."""
    session.info.setdefault(_NOW_KEY, now)


@event.listens_for(Session, "after_transaction_end")
def _forget_now(session: Session, transaction: SessionTransaction) -> None:
    # Only the outermost transaction ends the clock; savepoints share their parent's now().
    if transaction.parent is None:
        session.info.pop(_NOW_KEY, None)
