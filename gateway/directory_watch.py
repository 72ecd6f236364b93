"""Hear of every directory change at once, on every gateway replica (PostgreSQL LISTEN/NOTIFY).

A trigger on the directory's practitioner, identity, membership and team tables notifies the
`fsm_directory_changed` channel when a change commits, whoever made it: the admin API, SCIM,
the demo seeder or an operator in psql. Each gateway holds one connection of its own that
listens there and drops the principal cache's answers about the practitioner named (all of
them for a team change), so a deactivated practitioner is refused by every replica within
moments rather than when a cached answer expires.

A listener can lose its connection without noticing (a half-open socket, a restarted server),
so it asks the server a trivial question every `heartbeat_seconds`. While it is not connected,
and from the moment it cannot tell, the cache trusts answers for its short fallback TTL only;
once listening again it drops everything, since changes made meanwhile went unheard.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import Any, Final
from uuid import UUID

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from gateway.principals import PrincipalResolver
from services.backoff import backoff_delay

log = logging.getLogger(__name__)

CHANNEL: Final = "fsm_directory_changed"
ALL: Final = "*"
_jitter = random.SystemRandom()


def listener_dsn(database_url: str) -> str:
    """A libpq-style URL asyncpg accepts, from the SQLAlchemy URL the app uses."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


class DirectoryWatch:
    """Keep a LISTEN connection open and turn notices into cache invalidations."""

    def __init__(
        self,
        dsn: str,
        principals: PrincipalResolver,
        *,
        heartbeat_seconds: float = 0.5,
        connect_timeout_seconds: float = 2.0,
        retry_initial_seconds: float = 0.1,
        retry_max_seconds: float = 2.0,
    ) -> None:
        self._dsn = dsn
        self._principals = principals
        self._heartbeat = heartbeat_seconds
        self._connect_timeout = connect_timeout_seconds
        self._retry_initial = retry_initial_seconds
        self._retry_max = retry_max_seconds
        self._lost = asyncio.Event()
        self.notices = 0  # directory changes heard since start-up

    async def run(self) -> None:
        """Listen until cancelled, reconnecting with backoff whenever the connection is lost."""
        failures = 0
        while True:
            try:
                await self._listen()
                failures = 0
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                log.warning("directory listener lost: %s", type(exc).__name__)
            self._stop_trusting()
            delay = backoff_delay(
                max(failures, 1), self._retry_initial, self._retry_max, _jitter.random
            )
            await asyncio.sleep(delay)

    async def _listen(self) -> None:
        connection = await asyncpg.connect(
            self._dsn,
            timeout=self._connect_timeout,
            server_settings={"application_name": "fsm-gateway-directory-watch"},
        )
        self._lost.clear()
        try:
            connection.add_termination_listener(self._on_terminated)
            await connection.add_listener(CHANNEL, self._on_notice)
            # Whatever changed while we were not listening went unheard: start afresh.
            self._principals.forget_all()
            self._principals.listening = True
            log.info("listening for directory changes")
            while not self._lost.is_set():
                async with asyncio.timeout(self._heartbeat * 2):
                    await connection.fetchval("SELECT 1")
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._heartbeat):
                        await self._lost.wait()
        finally:
            self._stop_trusting()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), timeout=self._connect_timeout)
            connection.terminate()

    def _stop_trusting(self) -> None:
        if self._principals.listening:
            log.warning("not listening for directory changes: cached answers expire quickly")
        self._principals.listening = False
        self._principals.forget_all()

    def _on_terminated(self, connection: Any) -> None:
        self._principals.listening = False
        self._lost.set()

    def _on_notice(self, connection: Any, pid: int, channel: str, payload: str) -> None:
        self.notices += 1
        if payload == ALL:
            self._principals.forget_all()
            return
        try:
            practitioner_id = UUID(payload)
        except ValueError:
            self._principals.forget_all()
            return
        self._principals.forget_practitioner(practitioner_id)
