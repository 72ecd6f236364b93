"""The outbox relay: fans committed events out to subscribers and delivers them at least once.

Subscribers are the units' own (`FSM_RELAY_SUBSCRIBERS`, services/subscriptions.py) and, on
the units that offer them, administrators' external webhook subscriptions, which live in the
database and read the outbox for themselves (services/webhooks/dispatch.py). Both kinds share
everything from the delivery row on: claim, post, retry with backoff, dead letters.

Two short transactions bracket every HTTP call: one claims due deliveries with a lease (moving
their next attempt past the call's timeout), one records the result. No transaction is open
while a subscriber is being called, and a relay that dies mid-call only delays a redelivery
until the lease runs out. Replicas share the work through `FOR UPDATE SKIP LOCKED`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI
from sqlalchemy import Table, bindparam, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.backoff import backoff_delay as backoff_delay  # re-exported for callers
from services.events import webhook_headers
from services.kernel_tables import KernelTables
from services.outbox import event_from_row
from services.relay_settings import RelaySettings, Subscriber
from services.webhooks.dispatch import ExternalSubscriber, WebhookDispatch

log = logging.getLogger(__name__)

__all__ = ["OutboxRelay", "RelaySettings", "Subscriber", "backoff_delay", "relay_lifespan_hook"]

DEAD_PREFIX = "dead: "
# Answers that say the event itself can never be taken (malformed, too large, not applicable):
# retrying cannot help, so the delivery is dead at once for an operator to look at. A refused
# signature (401) or a missing endpoint (404) is configuration, which a fix and a retry mend.
PERMANENT_FAILURES = frozenset({"HTTP 400", "HTTP 413", "HTTP 422"})
_jitter = random.SystemRandom()


@dataclass(frozen=True)
class _Claimed:
    delivery_id: int
    event_id: UUID
    subscriber: Subscriber | ExternalSubscriber
    attempts: int
    lease_until: datetime


@dataclass(frozen=True)
class _Outcome:
    claimed: _Claimed
    error: str | None  # None means delivered
    status: int | None = None
    duration_ms: int = 0


class OutboxRelay:
    """Deliver one schema's outbox to the configured subscribers."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        tables: KernelTables,
        settings: RelaySettings,
        client: httpx.AsyncClient,
        *,
        webhooks: WebhookDispatch | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.events: Table = tables.outbox_event
        self.deliveries: Table = tables.outbox_delivery
        self.settings = settings
        self.client = client
        self.subscribers = {s.name: s for s in settings.subscribers}
        self.webhooks = webhooks
        self.external: dict[str, ExternalSubscriber] = {}

    async def run_once(self) -> int:
        """Fan out new events, then attempt one batch of due deliveries; return how many landed."""
        delivered, _ = await self._cycle()
        return delivered

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set, sleeping between idle rounds and backing off on errors."""
        failures = 0
        while not stop.is_set():
            busy = False
            try:
                _, busy = await self._cycle()
                failures = 0
            except Exception:
                failures += 1
                log.exception("outbox relay round failed (%d in a row)", failures)
            if busy:
                continue
            pause = self.settings.poll_interval_seconds * 2 ** min(failures, 5)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=min(pause, 30.0))

    async def _cycle(self) -> tuple[int, bool]:
        # The units' own fan-out marks events dispatched: only a relay with subscribers may.
        fanned = await self.fan_out() if self.subscribers else 0
        more = False
        if self.webhooks is not None:
            _, more = await self.webhooks.fan_out()
            self.external = await self.webhooks.active()
        claimed = await self._claim()
        outcomes = await self._deliver_all(claimed)
        await self._record(outcomes)
        busy = fanned == self.settings.batch_size or len(claimed) == self.settings.batch_size
        return sum(1 for o in outcomes if o.error is None), busy or more

    async def fan_out(self) -> int:
        """Create one delivery per matching subscriber for undispatched events; return events."""
        e, d = self.events.c, self.deliveries
        async with self.sessionmaker() as session, session.begin():
            rows = (
                await session.execute(
                    select(e.position, e.id, e.type)
                    .where(e.dispatched_at.is_(None))
                    .order_by(e.position)
                    .limit(self.settings.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            wanted = [
                {"event_id": row.id, "subscriber": s.name}
                for row in rows
                for s in self.subscribers.values()
                if s.wants(row.type)
            ]
            if wanted:
                await session.execute(
                    pg_insert(d).on_conflict_do_nothing(index_elements=["event_id", "subscriber"]),
                    wanted,
                )
            await session.execute(
                update(self.events)
                .where(e.position.in_([row.position for row in rows]))
                .values(dispatched_at=func.now())
            )
        return len(rows)

    async def _claim(self) -> list[_Claimed]:
        known: dict[str, Subscriber | ExternalSubscriber] = {**self.subscribers, **self.external}
        if not known:
            return []
        d = self.deliveries.c
        due = (
            select(d.id)
            .where(
                d.delivered_at.is_(None),
                d.next_attempt_at <= func.now(),
                # Only subscribers this relay knows: another deployment's backlog is not ours.
                d.subscriber.in_(list(known)),
            )
            .order_by(d.next_attempt_at)
            .limit(self.settings.batch_size)
            .with_for_update(skip_locked=True)
        )
        lease = timedelta(seconds=self.settings.lease_seconds)
        async with self.sessionmaker() as session, session.begin():
            rows = (
                await session.execute(
                    update(self.deliveries)
                    .where(d.id.in_(due.scalar_subquery()))
                    .values(next_attempt_at=func.clock_timestamp() + lease)
                    .returning(d.id, d.event_id, d.subscriber, d.attempts, d.next_attempt_at)
                )
            ).all()
        return [
            _Claimed(row.id, row.event_id, known[row.subscriber], row.attempts, row[4])
            for row in rows
        ]

    async def _deliver_all(self, claimed: Sequence[_Claimed]) -> list[_Outcome]:
        if not claimed:
            return []
        async with self.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(self.events).where(self.events.c.id.in_({c.event_id for c in claimed}))
                )
            ).all()
        bodies = {row.id: event_from_row(row).to_json_bytes() for row in rows}
        limit = asyncio.Semaphore(self.settings.concurrency)

        async def one(c: _Claimed) -> _Outcome:
            body = bodies.get(c.event_id)
            if body is None:
                return _Outcome(c, "event row missing")
            async with limit:
                try:
                    return await self._post(c, body)
                except Exception as exc:
                    # One bad subscriber (say, a malformed secret) must not sink the batch.
                    log.exception(
                        "outbox delivery %s to %s failed", c.delivery_id, c.subscriber.name
                    )
                    return _Outcome(c, type(exc).__name__)

        return list(await asyncio.gather(*(one(c) for c in claimed)))

    async def _post(self, claimed: _Claimed, body: bytes) -> _Outcome:
        subscriber = claimed.subscriber
        msg_id, timestamp = str(claimed.event_id), int(time.time())
        if isinstance(subscriber, ExternalSubscriber):
            assert self.webhooks is not None
            client, headers = self.webhooks.client, subscriber.headers(msg_id, timestamp, body)
        else:
            client = self.client
            headers = webhook_headers(subscriber.secret, msg_id, timestamp, body)
        started = time.monotonic()
        try:
            # Streamed and never read: a subscriber's reply is not ours to store or echo.
            async with client.stream(
                "POST",
                str(subscriber.url),
                content=body,
                headers=headers,
                timeout=subscriber.timeout,
                follow_redirects=False,
            ) as response:
                status = response.status_code
        except httpx.HTTPError as exc:
            # The class name only: messages can carry the URL and its credentials.
            return _Outcome(claimed, type(exc).__name__, None, _ms_since(started))
        error = None if 200 <= status < 300 else f"HTTP {status}"
        return _Outcome(claimed, error, status, _ms_since(started))

    async def _record(self, outcomes: Sequence[_Outcome]) -> None:
        if not outcomes:
            return
        d = self.deliveries.c
        done = [{"delivery_id": o.claimed.delivery_id} for o in outcomes if o.error is None]
        async with self.sessionmaker() as session, session.begin():
            if done:
                await session.execute(
                    update(self.deliveries)
                    .where(d.id == bindparam("delivery_id"), d.delivered_at.is_(None))
                    .values(delivered_at=func.now(), attempts=d.attempts + 1, last_error=None),
                    done,
                )
            for outcome in outcomes:
                if outcome.error is not None:
                    await self._record_failure(session, outcome.claimed, outcome.error)
            if self.webhooks is not None:
                await self.webhooks.log_attempts(session, _attempts(outcomes))

    async def _record_failure(self, session: AsyncSession, claimed: _Claimed, error: str) -> None:
        d = self.deliveries.c
        attempts = claimed.attempts + 1
        values: dict[str, Any] = {"attempts": attempts}
        dead = attempts >= self.settings.max_attempts or error in PERMANENT_FAILURES
        if dead:
            values["last_error"] = f"{DEAD_PREFIX}{error} after {attempts} attempts"
            # Never due again, so no claim reaches it; the row stays for an operator to revive.
            values["next_attempt_at"] = literal_column("'infinity'::timestamptz")
        else:
            values["last_error"] = error
            delay = backoff_delay(
                attempts,
                self.settings.backoff_base_seconds,
                self.settings.backoff_max_seconds,
                _jitter.random,
            )
            values["next_attempt_at"] = func.clock_timestamp() + timedelta(seconds=delay)
        result = await session.execute(
            update(self.deliveries)
            # Only while our lease stands: a relay that overran it must not undo another's work.
            .where(d.id == claimed.delivery_id, d.next_attempt_at == claimed.lease_until)
            .values(**values)
        )
        if getattr(result, "rowcount", 0) and dead:
            log.error(
                "outbox delivery %s of event %s to %s is dead after %d attempts: %s",
                claimed.delivery_id,
                claimed.event_id,
                claimed.subscriber.name,
                attempts,
                error,
            )


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _attempts(outcomes: Sequence[_Outcome]) -> list[dict[str, Any]]:
    """The delivery log's rows for the attempts made on external subscriptions."""
    return [
        {
            "delivery_id": o.claimed.delivery_id,
            "subscription_id": o.claimed.subscriber.subscription_id,
            "status": o.status,
            "error": o.error,
            "duration_ms": o.duration_ms,
        }
        for o in outcomes
        if isinstance(o.claimed.subscriber, ExternalSubscriber)
    ]


LifespanHook = Callable[[FastAPI, AsyncExitStack], Awaitable[None]]


def relay_lifespan_hook(
    settings: RelaySettings | None = None, *, client: httpx.AsyncClient | None = None
) -> LifespanHook:
    """An `on_startup` hook that runs the relay beside the service when subscribers exist."""

    async def start(app: FastAPI, stack: AsyncExitStack) -> None:
        relay_settings = settings or app.state.settings.relay
        # Set by the webhooks' own start-up on units that offer external subscriptions.
        webhooks: WebhookDispatch | None = getattr(app.state, "webhook_dispatch", None)
        if not relay_settings.subscribers and webhooks is None:
            log.info("outbox relay not started: no subscribers configured")
            return
        relay_settings.check_for(app.state.settings.environment)
        http = client
        if http is None:
            http = httpx.AsyncClient(
                headers={"user-agent": "fsm-outbox-relay"}, follow_redirects=False
            )
            stack.push_async_callback(http.aclose)
        # A relay for external subscriptions alone works on their small engine: it never takes
        # a connection from the requests' pool (one with the units' own subscribers does, as
        # it always has).
        sessions = (
            app.state.sessionmaker
            if relay_settings.subscribers or webhooks is None
            else webhooks.sessionmaker
        )
        relay = OutboxRelay(sessions, app.state.kernel, relay_settings, http, webhooks=webhooks)
        stop = asyncio.Event()
        task = asyncio.create_task(relay.run_forever(stop), name="outbox-relay")

        async def shut_down() -> None:
            stop.set()
            try:
                await asyncio.wait_for(task, timeout=relay_settings.shutdown_grace_seconds)
            except TimeoutError:
                # Cancelled mid-delivery: the lease expires and another replica redelivers.
                log.warning("outbox relay cancelled after the shutdown grace period")

        stack.push_async_callback(shut_down)
        app.state.relay = relay
        log.info(
            "outbox relay started for %d subscribers%s",
            len(relay.subscribers),
            " and webhook subscriptions" if webhooks is not None else "",
        )

    return start
