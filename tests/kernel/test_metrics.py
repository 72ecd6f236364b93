"""A service's Prometheus metrics: outbox backlog, inbox lag and pool use, scraped over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import delete, insert, update

from intervention_api.app import create_app
from intervention_api.models import kernel
from services.events import CloudEvent
from services.inbox import accept_once
from services.outbox import publish
from services.relay import DEAD_PREFIX
from services.settings import KernelSettings
from tests.support.metrics import scrape
from tests.support.tcp_proxy import free_port


@asynccontextmanager
async def service(settings: KernelSettings) -> AsyncIterator[tuple[FastAPI, int]]:
    """The intervention app with its lifespan running and metrics on a free port."""
    port = free_port()
    app = create_app(settings.model_copy(update={"metrics_port": port}))
    async with app.router.lifespan_context(app):
        yield app, port


async def test_outbox_backlog_counts_waiting_events_and_deliveries(
    kernel_settings: KernelSettings,
) -> None:
    subscriber = f"metrics-{uuid.uuid4().hex[:12]}"
    async with service(kernel_settings) as (app, port):
        before = await scrape(port)
        waiting = before.value("fsm_outbox_undispatched_events")
        assert waiting is not None
        event_ids = []
        async with app.state.sessionmaker() as session, session.begin():
            for _ in range(4):
                event_ids.append(
                    await publish(
                        session,
                        kernel.outbox_event,
                        type="uk.gov.fsm.test.metrics",
                        source="/intervention",
                        subject=None,
                        data={},
                        team_id=None,
                    )
                )
            # Three fanned out to the test subscriber: two still retried, one dead; an hour old.
            await session.execute(
                update(kernel.outbox_event)
                .where(kernel.outbox_event.c.id.in_(event_ids[:3]))
                .values(
                    dispatched_at=datetime.now(UTC),
                    created_at=datetime.now(UTC) - timedelta(hours=1),
                )
            )
            await session.execute(
                insert(kernel.outbox_delivery),
                [
                    {"event_id": event_ids[0], "subscriber": subscriber, "last_error": "HTTP 503"},
                    {"event_id": event_ids[1], "subscriber": subscriber, "last_error": None},
                    {
                        "event_id": event_ids[2],
                        "subscriber": subscriber,
                        "last_error": f"{DEAD_PREFIX}HTTP 500 after 15 attempts",
                    },
                ],
            )
        try:
            after = await scrape(port)
        finally:
            async with app.state.sessionmaker() as session, session.begin():
                await session.execute(
                    delete(kernel.outbox_delivery).where(
                        kernel.outbox_delivery.c.subscriber == subscriber
                    )
                )
                await session.execute(
                    delete(kernel.outbox_event).where(kernel.outbox_event.c.id.in_(event_ids))
                )

    assert after.value("fsm_outbox_undispatched_events") == waiting + 1
    assert after.value("fsm_outbox_pending_deliveries", subscriber=subscriber) == 2
    assert after.value("fsm_outbox_dead_deliveries", subscriber=subscriber) == 1
    age = after.value("fsm_outbox_oldest_undelivered_age_seconds")
    assert age is not None
    assert 3600 <= age < 3600 + 600


async def test_inbox_lag_is_observed_once_per_event(kernel_settings: KernelSettings) -> None:
    source = f"/metrics-test-{uuid.uuid4().hex[:8]}"
    event = CloudEvent(
        specversion="1.0",
        id=uuid.uuid4(),
        source=source,
        type="uk.gov.fsm.test.lagged",
        time=datetime.now(UTC) - timedelta(seconds=30),
        data={},
    )
    async with service(kernel_settings) as (app, port):
        for _ in range(2):  # the redelivery is skipped, so it is not observed again
            async with app.state.sessionmaker() as session, session.begin():
                await accept_once(session, kernel.inbox_event, event)
        result = await scrape(port)
    assert result.value("fsm_inbox_lag_seconds_count", source=source) == 1
    lag = result.value("fsm_inbox_lag_seconds_sum", source=source)
    assert lag is not None
    assert 30 <= lag < 90
    assert result.value("fsm_inbox_lag_seconds_bucket", source=source, le="10.0") == 0
    assert result.value("fsm_inbox_lag_seconds_bucket", source=source, le="60.0") == 1


async def test_pool_use_shows_connections_in_use(kernel_settings: KernelSettings) -> None:
    async with service(kernel_settings) as (app, port):
        async with app.state.engine.connect() as first, app.state.engine.connect() as second:
            await first.exec_driver_sql("SELECT 1")
            await second.exec_driver_sql("SELECT 1")
            busy = await scrape(port)
        idle = await scrape(port)
    in_use = busy.value("fsm_db_pool_connections", state="in_use")
    assert in_use is not None
    assert in_use >= 2
    assert idle.value("fsm_db_pool_connections", state="in_use") == in_use - 2
    assert busy.value("fsm_db_pool_max_connections") == 5 + 10


async def test_service_metrics_never_appear_on_its_routes(kernel_settings: KernelSettings) -> None:
    async with service(kernel_settings) as (app, port):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get("/metrics")).status_code == 401
        result = await scrape(port)
    assert "/metrics" not in app.openapi()["paths"]
    assert result.value("fsm_unit_info", unit="intervention") == 1
