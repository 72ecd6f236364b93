"""The outbox backlog, measured with one short query each time metrics are scraped.

Read at scrape time rather than kept by the relay, so it is right even where no relay runs (no
subscribers configured) and shared by every replica: each one reports the schema's backlog.
When the database does not answer within the timeout the outbox gauges are left out of that
scrape (Prometheus sees them absent) instead of repeating stale numbers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import case, func, literal, select, text

from services.relay import DEAD_PREFIX
from services.webhooks.dispatch import KEY_PREFIX

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from services.kernel_tables import KernelTables

log = logging.getLogger(__name__)

QUERY_TIMEOUT_SECONDS: Final = 1.0
EXTERNAL_LABEL: Final = "webhooks"


@dataclass(frozen=True)
class SubscriberBacklog:
    """Undelivered deliveries to one subscriber."""

    pending: int
    dead: int


@dataclass(frozen=True)
class BacklogSnapshot:
    """What the outbox held when last measured."""

    undispatched_events: int
    oldest_undelivered_age_seconds: float
    subscribers: dict[str, SubscriberBacklog]


class OutboxBacklog(Collector):
    """Outbox gauges from the last successful measurement of this scrape."""

    def __init__(self) -> None:
        self.snapshot: BacklogSnapshot | None = None

    async def refresh(self, engine: AsyncEngine, kernel: KernelTables) -> None:
        """Measure the backlog now; on failure or timeout, report nothing this scrape."""
        try:
            async with asyncio.timeout(QUERY_TIMEOUT_SECONDS):
                self.snapshot = await measure(engine, kernel)
        except Exception as exc:  # metrics must never fail a scrape
            log.warning("outbox backlog not measured: %s", type(exc).__name__)
            self.snapshot = None

    def collect(self) -> Iterator[Metric]:
        """Yield the outbox gauges of the last measurement."""
        snapshot = self.snapshot
        if snapshot is None:
            return
        yield GaugeMetricFamily(
            "fsm_outbox_undispatched_events",
            "Committed events not yet fanned out to subscribers' deliveries.",
            value=float(snapshot.undispatched_events),
        )
        yield GaugeMetricFamily(
            "fsm_outbox_oldest_undelivered_age_seconds",
            "Age of the oldest event still waiting to be fanned out or delivered (dead letters"
            " excluded); 0 when nothing waits.",
            value=snapshot.oldest_undelivered_age_seconds,
        )
        pending = GaugeMetricFamily(
            "fsm_outbox_pending_deliveries",
            "Deliveries not yet acknowledged by their subscriber, still being retried.",
            labels=["subscriber"],
        )
        dead = GaugeMetricFamily(
            "fsm_outbox_dead_deliveries",
            "Deliveries that ran out of attempts and wait for an operator (dead letters).",
            labels=["subscriber"],
        )
        for name, backlog in sorted(snapshot.subscribers.items()):
            pending.add_metric([name], float(backlog.pending))
            dead.add_metric([name], float(backlog.dead))
        yield pending
        yield dead


async def measure(engine: AsyncEngine, kernel: KernelTables) -> BacklogSnapshot:
    """Count undispatched events and undelivered deliveries, and the oldest one's age."""
    events, deliveries = kernel.outbox_event, kernel.outbox_delivery
    e, d = events.c, deliveries.c
    is_dead = d.last_error.startswith(DEAD_PREFIX, autoescape=True)
    live = d.delivered_at.is_(None) & (d.last_error.is_(None) | ~is_dead)
    oldest_delivery = (
        select(func.min(e.created_at))
        .select_from(deliveries.join(events, events.c.id == d.event_id))
        .where(live)
        .scalar_subquery()
    )
    oldest_undispatched = select(func.min(e.created_at)).where(e.dispatched_at.is_(None))
    summary = select(
        select(func.count()).where(e.dispatched_at.is_(None)).scalar_subquery(),
        func.extract(
            "epoch",
            func.clock_timestamp()
            - func.least(oldest_undispatched.scalar_subquery(), oldest_delivery),
        ),
    )
    # External subscriptions are counted together: a label never carries a record's id.
    subscriber = case(
        (d.subscriber.startswith(KEY_PREFIX, autoescape=True), literal(EXTERNAL_LABEL)),
        else_=d.subscriber,
    )
    per_subscriber = (
        select(
            subscriber,
            func.count().filter(~is_dead | d.last_error.is_(None)),
            func.count().filter(is_dead),
        )
        .where(d.delivered_at.is_(None))
        .group_by(subscriber)
    )
    async with engine.connect() as connection:
        # The pool may hand over a connection on a hung server: bound the work there too.
        await connection.execute(text("SET LOCAL statement_timeout = 1000"))
        undispatched, age = (await connection.execute(summary)).one()
        rows = (await connection.execute(per_subscriber)).all()
        await connection.rollback()
    return BacklogSnapshot(
        undispatched_events=int(undispatched or 0),
        oldest_undelivered_age_seconds=max(float(age or 0.0), 0.0),
        subscribers={str(row[0]): SubscriberBacklog(int(row[1]), int(row[2])) for row in rows},
    )
