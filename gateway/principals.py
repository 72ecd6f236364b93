"""Resolve a verified identity to a Principal through the directory, cached per identity.

The cache is what keeps the proxy hot path free of database queries. Every change to the
directory notifies every gateway replica at commit (gateway/directory_watch.py), which drops
what it cached about that practitioner at once: a deactivation is refused everywhere within
moments, not when an entry expires. While a replica is not listening (its listener connection
lost), answers are trusted for `fallback_ttl_seconds` only. Unknown and inactive identities
are cached too, so a valid token for a non-practitioner cannot make every request cost a query.

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
from uuid import UUID

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.directory.lookup import DirectoryAnswer, load_principal
from gateway.directory.service import london_today
from gateway.identity import Identity
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
    """Turn identities into principals, remembering answers for `ttl_seconds`."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        reach: DatabaseReach,
        ttl_seconds: float,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        fallback_ttl_seconds: float = 0.5,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._reach = reach
        self._ttl = ttl_seconds
        self._fallback_ttl = min(fallback_ttl_seconds, ttl_seconds)
        self._max_entries = max_entries
        self._clock = clock
        # identity -> (answer, when cached, until when)
        self._cache: OrderedDict[Identity, tuple[DirectoryAnswer, float, float]] = OrderedDict()
        # One directory query per identity at a time, however many requests are waiting.
        self._inflight: dict[Identity, asyncio.Future[DirectoryAnswer]] = {}
        # Bumped by forget(): a query that started before a change must not be cached.
        self._generation = 0
        # Whether this replica hears of every directory change (gateway/directory_watch.py).
        # Until it does, answers are trusted for the fallback TTL only.
        self.listening = False

    async def resolve(self, who: Identity | str) -> Principal:
        """Return the active principal for an identity (a bare string: a directory subject)."""
        identity = Identity(None, who) if isinstance(who, str) else who
        if not identity.value.isprintable():
            # No directory entry can have one (the API refuses them); do not ask the database.
            raise NotAPractitioner()
        cached = self._cache.get(identity)
        now = self._clock()
        if cached is not None and now < cached[2] and (self.listening or now < cached[1]):
            answer = cached[0]
        else:
            pending = self._inflight.get(identity)
            if pending is None:
                pending = asyncio.ensure_future(self._load_and_remember(identity))
                self._inflight[identity] = pending
                pending.add_done_callback(lambda done: self._settled(identity, done))
            try:
                # shield: a caller that goes away must not cancel the query others wait for.
                async with asyncio.timeout(self._reach.budget_seconds):
                    answer = await asyncio.shield(pending)
            except TimeoutError:
                raise DirectoryUnavailable() from None
        if answer.principal is None or not answer.active:
            raise NotAPractitioner()
        return answer.principal

    def forget(self, who: Identity | str) -> None:
        """Drop an identity's cached answer (a bare string: a directory subject)."""
        identity = Identity(None, who) if isinstance(who, str) else who
        self._generation += 1
        self._cache.pop(identity, None)
        self._inflight.pop(identity, None)

    def forget_practitioner(self, practitioner_id: UUID) -> None:
        """Drop every answer naming a practitioner, and every 'no such practitioner'.

        Unknown identities go too: the change may have given one of them to this person.
        """
        self._generation += 1
        stale = [
            identity
            for identity, (answer, _, _) in self._cache.items()
            if answer.principal is None or answer.principal.practitioner_id == practitioner_id
        ]
        for identity in stale:
            del self._cache[identity]
        self._inflight.clear()

    def forget_all(self) -> None:
        """Drop every cached answer (after a change that touches many subjects)."""
        self._generation += 1
        self._cache.clear()
        self._inflight.clear()

    def _settled(self, identity: Identity, done: asyncio.Future[DirectoryAnswer]) -> None:
        if self._inflight.get(identity) is done:
            del self._inflight[identity]
        if not done.cancelled():
            done.exception()  # retrieved here so an unawaited failure is not logged as lost

    async def _load_and_remember(self, identity: Identity) -> DirectoryAnswer:
        generation = self._generation
        answer = await self._load(identity)
        if self._ttl > 0 and generation == self._generation:
            now = self._clock()
            self._cache[identity] = (answer, now + self._fallback_ttl, now + self._ttl)
            self._cache.move_to_end(identity)
            while len(self._cache) > self._max_entries:
                self._cache.popitem(last=False)
        return answer

    async def _load(self, identity: Identity) -> DirectoryAnswer:
        try:
            async with self._sessionmaker() as session:
                await self._reach.connect(session)  # within the budget, or marked unresponsive
                # One indexed lookup: a database that answered the ping answers it at once.
                async with asyncio.timeout(self._reach.budget_seconds):
                    return await load_principal(
                        session, identity.value, london_today(), issuer=identity.issuer
                    )
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
