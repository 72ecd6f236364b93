"""Resolve a verified subject to a Principal through the directory, cached per subject.

The cache is what keeps the proxy hot path free of database queries. Its price: a change in the
directory (deactivation, new roles, a team move) reaches requests already in flight on *other*
gateway replicas only when their entry expires, i.e. within `principal_cache_ttl_seconds`
(default 5 s). The replica that made the change forgets the subject at once. Unknown and
inactive subjects are cached too, so a valid token for a non-practitioner cannot make every
request cost a query.

No request waits for a lookup longer than the database-wait budget (services/db_reach.py),
including one that joined a lookup late, so a hung database gives each of them 503 in time;
the lookup itself reaches the database within the budget too, and its query gets as long.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.directory.service import DirectoryAnswer, load_principal, london_today
from services.db import RETRY_AFTER_SECONDS, is_connection_failure
from services.db_reach import DatabaseBusy, DatabaseReach, DatabaseUnavailable
from services.errors import ProblemError
from services.principal import Principal

log = logging.getLogger(__name__)


class NotAPractitioner(ProblemError):
    """The token is valid but the directory has no active practitioner for it."""

    def __init__(self) -> None:
        super().__init__(
            403,
            "not-an-active-practitioner",
            "You are not an active practitioner in the directory; ask your administrator.",
        )


class DirectoryUnavailable(ProblemError):
    """The directory could not be read; the client should retry."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "database-unavailable",
            "The practitioner directory is unavailable; retry shortly.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


class PrincipalResolver:
    """Turn subjects into principals, remembering answers for `ttl_seconds`."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        reach: DatabaseReach,
        ttl_seconds: float,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._reach = reach
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._cache: OrderedDict[str, tuple[DirectoryAnswer, float]] = OrderedDict()
        # One directory query per subject at a time, however many requests are waiting.
        self._inflight: dict[str, asyncio.Future[DirectoryAnswer]] = {}
        # Bumped by forget(): a query that started before a change must not be cached.
        self._generation = 0

    async def resolve(self, subject: str) -> Principal:
        """Return the active principal for `subject`; raise NotAPractitioner or a 503."""
        if not subject.isprintable():
            # No directory entry can have one (the API refuses them); do not ask the database.
            raise NotAPractitioner()
        cached = self._cache.get(subject)
        if cached is not None and self._clock() < cached[1]:
            answer = cached[0]
        else:
            pending = self._inflight.get(subject)
            if pending is None:
                pending = asyncio.ensure_future(self._load_and_remember(subject))
                self._inflight[subject] = pending
                pending.add_done_callback(lambda done: self._settled(subject, done))
            try:
                # shield: a caller that goes away must not cancel the query others wait for.
                async with asyncio.timeout(self._reach.budget_seconds):
                    answer = await asyncio.shield(pending)
            except TimeoutError:
                raise DirectoryUnavailable() from None
        if answer.principal is None or not answer.active:
            raise NotAPractitioner()
        return answer.principal

    def forget(self, subject: str) -> None:
        """Drop a subject's cached answer (after a directory change on this replica)."""
        self._generation += 1
        self._cache.pop(subject, None)
        self._inflight.pop(subject, None)

    def forget_all(self) -> None:
        """Drop every cached answer (after a change that touches many subjects)."""
        self._generation += 1
        self._cache.clear()
        self._inflight.clear()

    def _settled(self, subject: str, done: asyncio.Future[DirectoryAnswer]) -> None:
        if self._inflight.get(subject) is done:
            del self._inflight[subject]
        if not done.cancelled():
            done.exception()  # retrieved here so an unawaited failure is not logged as lost

    async def _load_and_remember(self, subject: str) -> DirectoryAnswer:
        generation = self._generation
        answer = await self._load(subject)
        if self._ttl > 0 and generation == self._generation:
            self._cache[subject] = (answer, self._clock() + self._ttl)
            self._cache.move_to_end(subject)
            while len(self._cache) > self._max_entries:
                self._cache.popitem(last=False)
        return answer

    async def _load(self, subject: str) -> DirectoryAnswer:
        try:
            async with self._sessionmaker() as session:
                await self._reach.connect(session)  # within the budget, or marked unresponsive
                # One indexed lookup: a database that answered the ping answers it at once.
                async with asyncio.timeout(self._reach.budget_seconds):
                    return await load_principal(session, subject, london_today())
        except DatabaseBusy:
            raise
        except DatabaseUnavailable:
            log.warning("directory unresponsive while resolving a principal")
            raise DirectoryUnavailable() from None
        except (TimeoutError, SQLAlchemyError, OSError) as exc:
            if is_connection_failure(exc):
                log.warning("directory unreachable while resolving a principal")
            else:
                log.exception("directory query failed while resolving a principal")
            raise DirectoryUnavailable() from None
