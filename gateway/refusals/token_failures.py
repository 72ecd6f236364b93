"""Failed authentications, tallied per client address and time window, audited off the path.

A flood of bad tokens must leave a trace without becoming a flood of audit rows or a queue on
the audit chain. Each (address, window) becomes one audit row with its count, its reasons and
at most a few short hash prefixes of the tokens tried (enough to tell one stolen token from a
spray, never enough to use one), and one warning log line with the count. A background task
writes windows once they close; whatever is still open is written on shutdown.

Memory stays bounded: past `max_addresses` in one window, further addresses share one
overflow tally, and rows the database would not take are kept up to `max_pending`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.audit import ANONYMOUS, AuditEvent, audit_outside_request

log = logging.getLogger(__name__)

ACTION: Final = "gateway.token.refused"
RESOURCE_TYPE: Final = "client_address"
PURPOSE: Final = "authentication"
OVERFLOW_ADDRESS: Final = "other-addresses"
TOKEN_PREFIX_CHARS: Final = 8
MAX_TOKEN_PREFIXES: Final = 5


def token_prefix(token: str) -> str:
    """A short SHA-256 prefix that tells repeated tokens apart without revealing one."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:TOKEN_PREFIX_CHARS]


@dataclass
class Tally:
    """The failures from one client address in one window."""

    address: str
    window_start: float
    window_seconds: int
    first_request_id: str
    count: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    token_prefixes: list[str] = field(default_factory=list)

    def add(self, reason: str, token: str | None) -> None:
        self.count += 1
        self.reasons[reason] += 1
        if token:
            prefix = token_prefix(token)
            if prefix not in self.token_prefixes and len(self.token_prefixes) < MAX_TOKEN_PREFIXES:
                self.token_prefixes.append(prefix)

    def event(self) -> AuditEvent:
        """The audit row this tally becomes."""
        start = datetime.fromtimestamp(self.window_start, UTC)
        end = datetime.fromtimestamp(self.window_start + self.window_seconds, UTC)
        return AuditEvent(
            action=ACTION,
            resource_type=RESOURCE_TYPE,
            resource_id=self.address,
            case_id=None,
            purpose=PURPOSE,
            outcome="denied",
            details={
                "count": self.count,
                "window_start": start.isoformat(),
                "window_end": end.isoformat(),
                "reasons": dict(sorted(self.reasons.items())),
                "token_prefixes": self.token_prefixes,
                "first_request_id": self.first_request_id,
            },
        )


Writer = Callable[[Tally], Awaitable[None]]


class TokenFailureLog:
    """Tally failures by (window, address); hand closed windows to a writer in the background."""

    def __init__(
        self,
        *,
        window_seconds: int,
        max_addresses: int,
        max_pending: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if window_seconds < 1 or max_addresses < 1 or max_pending < 1:
            raise ValueError("token failure log parameters must be positive")
        self._window = window_seconds
        self._max_addresses = max_addresses
        self._max_pending = max_pending
        self._clock = clock
        self._open: dict[float, dict[str, Tally]] = {}
        self._pending: list[Tally] = []
        self._task: asyncio.Task[None] | None = None

    def note(self, address: str, reason: str, token: str | None, request_id: str) -> None:
        """Count one failure from `address`; `token` (if any) is kept only as a short hash."""
        start = self._clock() // self._window * self._window
        tallies = self._open.setdefault(start, {})
        tally = tallies.get(address)
        if tally is None:
            if len(tallies) >= self._max_addresses:
                address = OVERFLOW_ADDRESS
                tally = tallies.get(address)
            if tally is None:
                tally = tallies[address] = Tally(address, start, self._window, request_id)
        tally.add(reason, token)

    def take(self, *, everything: bool = False) -> list[Tally]:
        """Remove and return the tallies of closed windows (of all windows if `everything`)."""
        now = self._clock()
        taken: list[Tally] = []
        for start in sorted(self._open):
            if everything or start + self._window <= now:
                taken.extend(self._open.pop(start).values())
        for tally in taken:
            log.warning(
                "%d failed authentications from %s in the %ds from %s (%s)",
                tally.count,
                tally.address,
                tally.window_seconds,
                datetime.fromtimestamp(tally.window_start, UTC).isoformat(),
                ", ".join(f"{reason}: {n}" for reason, n in sorted(tally.reasons.items())),
            )
        return taken

    async def flush(self, write: Writer, *, everything: bool = False) -> None:
        """Write closed windows (and any earlier rows not yet written); keep them on failure."""
        self._pending.extend(self.take(everything=everything))
        if not self._pending:
            return
        if len(self._pending) > self._max_pending:
            dropped = len(self._pending) - self._max_pending
            log.error("dropping %d unwritten token-failure audit rows", dropped)
            del self._pending[:dropped]
        while self._pending:
            try:
                await write(self._pending[0])
            except Exception:
                log.exception(
                    "could not audit %d token-failure windows; will retry", len(self._pending)
                )
                return
            del self._pending[0]

    def start(self, write: Writer) -> None:
        """Flush in the background, a few times per window."""
        interval = min(5.0, self._window / 4)

        async def run() -> None:
            while True:
                await asyncio.sleep(interval)
                await self.flush(write)

        self._task = asyncio.create_task(run(), name="token-failure-audit")

    async def stop(self, write: Writer) -> None:
        """Stop the background task and write everything still held."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush(write, everything=True)


def audit_writer(sessionmaker: async_sessionmaker[AsyncSession], table: Table) -> Writer:
    """Write a tally to an audit log as one row, under the first failing request's id."""

    async def write(tally: Tally) -> None:
        await audit_outside_request(
            sessionmaker,
            table,
            actor=ANONYMOUS,
            request_id=tally.first_request_id,
            events=[tally.event()],
        )

    return write
