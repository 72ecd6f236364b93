"""Reach the database within a request's budget, or say so at once: 503 with Retry-After.

A request's first contact with the database (waiting for a pooled connection, connecting, the
pre-ping of a pooled one) must end within `db_wait_budget_seconds`, whatever the database does:
a hung server accepts connections and answers nothing, so without a bound every request would
wait out the connect and command timeouts. The budget is about reaching a responsive database,
not about query length: once it answers, searches and exports run up to the statement timeout.

When an attempt runs out of time the database is marked unresponsive: later requests fail fast
with 503 instead of each piling one more connection onto a server that does not answer, while
one background probe tries it every `probe_interval_seconds`; its first answer clears the mark.
A refused connection is already fast and marks nothing.

Pool exhaustion is a different answer: the database is fine, we are busy (503 `overloaded`).
The pool wait is two thirds of the budget, so that it ends first. (When a database hangs under a
burst, requests that find the pool full of connections stuck on it before the first timed-out
one marks it are told `overloaded`; from then on everyone hears `database-unavailable`.)
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from services.errors import ProblemError

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_AFTER_SECONDS = 5
DEFAULT_BUDGET_SECONDS = 1.0
DEFAULT_PROBE_INTERVAL_SECONDS = 0.5


class DatabaseUnavailable(ProblemError):
    """The database could not be reached in time; the client should retry shortly."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "database-unavailable",
            "The database is unavailable; retry shortly.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


class DatabaseBusy(ProblemError):
    """Every pooled connection is in use: the service is overloaded, not broken."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "overloaded",
            "The service is busy; retry shortly.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


class DatabaseReach:
    """Bound the wait for a responsive database, and remember when it stopped answering."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        budget_seconds: float = DEFAULT_BUDGET_SECONDS,
        probe_interval_seconds: float = DEFAULT_PROBE_INTERVAL_SECONDS,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.budget_seconds = budget_seconds
        self._probe_interval = probe_interval_seconds
        self._probe: asyncio.Task[None] | None = None

    @property
    def responsive(self) -> bool:
        """False from a timed-out attempt until the background probe gets an answer."""
        return self._probe is None

    async def checkout(self, engine: AsyncEngine) -> AsyncConnection:
        """Check out a connection within the budget; raise a 503 problem if none can be had.

        Other failures to connect (refused, reset) propagate as they are: they are fast, and
        the database error handlers (services/db.py) already answer them with 503.
        """
        return await self._within_budget(engine.connect())

    async def connect(self, session: AsyncSession) -> None:
        """Check out the session's connection within the budget (as `checkout`)."""
        await self._within_budget(session.connection())

    async def _within_budget(self, reaching: Awaitable[T]) -> T:
        if not self.responsive:
            if inspect.iscoroutine(reaching):
                reaching.close()  # never awaited: say so, rather than leave a warning
            raise DatabaseUnavailable()
        try:
            async with asyncio.timeout(self.budget_seconds):
                return await reaching
        except PoolTimeoutError:
            log.warning("connection pool exhausted")
            raise DatabaseBusy() from None
        except TimeoutError:
            self._mark_unresponsive()
            raise DatabaseUnavailable() from None

    async def close(self) -> None:
        """Stop the background probe, if one runs."""
        probe, self._probe = self._probe, None
        if probe is None:
            return
        probe.cancel()
        try:
            await probe
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # we are being cancelled ourselves, not just the probe

    def _mark_unresponsive(self) -> None:
        if self._probe is not None:
            return
        log.warning(
            "database did not answer within %.1fs; failing fast until it does",
            self.budget_seconds,
        )
        self._probe = asyncio.create_task(self._probe_until_answered(), name="db-reach-probe")

    async def _probe_until_answered(self) -> None:
        while True:
            await asyncio.sleep(self._probe_interval)
            try:
                async with asyncio.timeout(self.budget_seconds):
                    async with self._sessionmaker() as session:
                        await session.execute(text("SELECT 1"))
            except Exception as exc:  # whatever the failure, no answer yet; the probe must not die
                log.debug("database probe: no answer (%s)", type(exc).__name__)
                continue
            log.info("database answers again")
            self._probe = None
            return
