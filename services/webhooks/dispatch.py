"""The relay's side of external subscriptions: which events each one gets, and how they are signed.

Each subscription reads the outbox for itself, in commit order, from where it chose to start:
the relay creates its deliveries for events of transactions older than any still running
(`txid < xmin`, the change feed's rule, services/change_feed/feed.py) and moves the
subscription's read position on. So a subscription made "now" gets exactly the events committed
after it, one that starts in the past gets those since, and none of this touches the units' own
fan-out (`dispatched_at`), which a differently configured relay could otherwise race.

From there a delivery is the outbox's like any other (services/relay.py): claimed with a lease,
posted, retried with backoff, dead-lettered; here it is also signed with the subscription's
secrets in force and each attempt is logged for the delivery log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import bindparam, insert, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.kernel_tables import KernelTables
from services.webhooks.signing import SecretBox, signed_headers

log = logging.getLogger(__name__)

KEY_PREFIX = "webhook:"
_LAST = 2**63 - 1


def subscriber_key(subscription_id: UUID) -> str:
    """The outbox subscriber name a subscription's deliveries go under."""
    return f"{KEY_PREFIX}{subscription_id}"


def wants(patterns: list[str] | tuple[str, ...], event_type: str) -> bool:
    """Whether an event type matches a subscription's types (exact, or a `prefix.*`)."""
    for pattern in patterns:
        if pattern.endswith(".*"):
            if event_type.startswith(pattern[:-1]):
                return True
        elif event_type == pattern:
            return True
    return False


@dataclass(frozen=True)
class ExternalSubscriber:
    """An active subscription, as the relay posts to it."""

    name: str
    subscription_id: UUID
    url: str
    secrets: tuple[str, ...]
    timeout: float

    def headers(self, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
        """Signed CloudEvents headers, one signature per secret in force."""
        return signed_headers(self.secrets, msg_id, timestamp, body)


class WebhookDispatch:
    """Fans events out to external subscriptions and says whom the relay may post to."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        tables: KernelTables,
        box: SecretBox,
        client: httpx.AsyncClient,
        *,
        timeout: float,
        batch_size: int = 500,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.tables = tables
        self.box = box
        self.client = client
        self.timeout = timeout
        self.batch_size = batch_size

    async def fan_out(self) -> tuple[int, bool]:
        """Create deliveries for every subscription's new events; (how many, any left over)."""
        subscriptions = self.tables.webhooks.subscription
        s = subscriptions.c
        created, more = 0, False
        async with self.sessionmaker() as session, session.begin():
            rows = (
                await session.execute(
                    select(s.id, s.event_types, s.starts_at, s.read_txid, s.read_position)
                    .order_by(s.id)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0, False
            xmin = int(
                await session.scalar(select(text("pg_snapshot_xmin(pg_current_snapshot())::text")))
                or 0
            )
            for row in rows:
                count, full = await self._fan_out_one(session, row, xmin)
                created += count
                more |= full
        return created, more

    async def _fan_out_one(self, session: AsyncSession, row: Any, xmin: int) -> tuple[int, bool]:
        e = self.tables.outbox_event.c
        events = (
            await session.execute(
                select(e.id, e.type, e.time, e.txid, e.position)
                .where(
                    e.txid < xmin,
                    tuple_(e.txid, e.position) > tuple_(row.read_txid, row.read_position),
                )
                .order_by(e.txid, e.position)
                .limit(self.batch_size)
            )
        ).all()
        key = subscriber_key(row.id)
        wanted = [
            {"event_id": event.id, "subscriber": key}
            for event in events
            if wants(row.event_types, event.type) and event.time >= row.starts_at
        ]
        if wanted:
            await session.execute(
                pg_insert(self.tables.outbox_delivery).on_conflict_do_nothing(
                    index_elements=["event_id", "subscriber"]
                ),
                wanted,
            )
        full = len(events) == self.batch_size
        # A short read has seen everything below xmin; whatever commits later sorts after it.
        read = (events[-1].txid, events[-1].position) if full else (xmin - 1, _LAST)
        read = max(read, (row.read_txid, row.read_position))
        s = self.tables.webhooks.subscription.c
        await session.execute(
            update(self.tables.webhooks.subscription)
            .where(s.id == row.id)
            .values(read_txid=read[0], read_position=read[1])
        )
        return len(wanted), full

    async def active(self) -> dict[str, ExternalSubscriber]:
        """The subscriptions deliveries may go to now (paused ones keep their queue)."""
        s = self.tables.webhooks.subscription.c
        async with self.sessionmaker() as session:
            rows = (
                await session.execute(
                    select(
                        s.id,
                        s.url,
                        s.secret,
                        s.previous_secret,
                        s.previous_expires_at,
                        text("now() AS now"),
                    ).where(s.active.is_(True))
                )
            ).all()
        found: dict[str, ExternalSubscriber] = {}
        for row in rows:
            try:
                found[subscriber_key(row.id)] = self._subscriber(row, row.now)
            except RuntimeError:
                # One subscription whose secret the keys no longer open must not stop the rest.
                log.exception("webhook subscription %s cannot sign its deliveries", row.id)
        return found

    def _subscriber(self, row: Any, now: datetime) -> ExternalSubscriber:
        secrets = [self.box.open(row.secret)]
        if row.previous_secret is not None and row.previous_expires_at > now:
            secrets.append(self.box.open(row.previous_secret))
        return ExternalSubscriber(
            subscriber_key(row.id), row.id, row.url, tuple(secrets), self.timeout
        )

    async def log_attempts(self, session: AsyncSession, attempts: list[dict[str, Any]]) -> None:
        """Append the delivery log's attempt rows, in the relay's result transaction."""
        if attempts:
            await session.execute(
                insert(self.tables.webhooks.attempt).values(
                    delivery_id=bindparam("delivery_id"),
                    subscription_id=bindparam("subscription_id"),
                    status=bindparam("status"),
                    error=bindparam("error"),
                    duration_ms=bindparam("duration_ms"),
                ),
                attempts,
            )
