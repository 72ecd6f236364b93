"""Prometheus metrics of one unit, served at `/metrics` on a port of its own.

Each app owns a registry (tests build several apps in one process; nothing touches the global
one). The metrics server is a small aiohttp app on `FSM_METRICS_PORT`, started in the app's
lifespan: it is never one of the app's routes, so it is in no OpenAPI document and never
reachable through the gateway. Labels are route templates, methods, statuses, event sources and
subscriber names: bounded sets that carry no personal data and no record ids.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Iterator
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Final

from aiohttp import web
from prometheus_client import (
    GC_COLLECTOR,
    CollectorRegistry,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.outbox_metrics import OutboxBacklog

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

    from services.events import CloudEvent
    from services.kernel_tables import KernelTables
    from services.registry import Unit
    from services.settings import KernelSettings

log = logging.getLogger(__name__)

METRICS_PATH: Final = "/metrics"
# Seconds; Prometheus' defaults with finer steps where API latency lives (5 ms to 1 s).
LATENCY_BUCKETS: Final = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0, 30.0,
)  # fmt: skip
LAG_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE: Final = "unmatched"


class RequestMetrics:
    """Request latency by route template, method and status (its `_count` counts requests)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.duration = Histogram(
            "fsm_http_request_duration_seconds",
            "Time from receiving a request to the end of its response, by route template.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        # labels() takes a lock and builds a tuple each call; one dict lookup is cheaper.
        self._children: dict[tuple[str, str, int], Histogram] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one finished request."""
        key = (method, route, status)
        child = self._children.get(key)
        if child is None:
            # Anything a client can invent is folded into one value, so labels stay bounded.
            label_method = method if method in _METHODS else "other"
            child = self.duration.labels(label_method, route, str(status))
            self._children[key] = child
        child.observe(seconds)


class RequestMetricsMiddleware:
    """Time every HTTP request and record it under its route template (pure ASGI)."""

    def __init__(self, app: ASGIApp, metrics: RequestMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            # The template set by routing (or the gateway's LoggedRoute), never the raw path.
            route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
            self.metrics.observe(scope["method"], route, status, time.perf_counter() - started)


class PoolCollector(Collector):
    """The database pool's connections in use and idle, read at scrape time."""

    def __init__(self, app: FastAPI, max_overflow: int) -> None:
        self._app = app
        self._max_overflow = max_overflow

    def collect(self) -> Iterator[Metric]:
        """Yield the pool gauges (nothing before the lifespan created the engine)."""
        engine: AsyncEngine | None = getattr(self._app.state, "engine", None)
        if engine is None:
            return
        pool = engine.pool
        size = int(getattr(pool, "size", lambda: 0)())
        connections = GaugeMetricFamily(
            "fsm_db_pool_connections",
            "Database connections held by this process's pool, by state.",
            labels=["state"],
        )
        connections.add_metric(["in_use"], float(getattr(pool, "checkedout", lambda: 0)()))
        connections.add_metric(["idle"], float(getattr(pool, "checkedin", lambda: 0)()))
        yield connections
        yield GaugeMetricFamily(
            "fsm_db_pool_max_connections",
            "The most connections the pool opens (pool size plus overflow).",
            value=float(size + self._max_overflow),
        )


class AppMetrics:
    """Everything one app exposes, in its own registry."""

    def __init__(self, unit: Unit, settings: KernelSettings, app: FastAPI) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = RequestMetrics(self.registry)
        self.inbox_lag = Histogram(
            "fsm_inbox_lag_seconds",
            "Time from an event's own time to its first application by this unit's inbox.",
            ["source"],
            buckets=LAG_BUCKETS,
            registry=self.registry,
        )
        self.outbox = OutboxBacklog()
        self.registry.register(self.outbox)
        self.registry.register(PoolCollector(app, settings.db_max_overflow))
        info = Gauge(
            "fsm_unit_info", "The unit this process serves.", ["unit"], registry=self.registry
        )
        info.labels(unit.name).set(1)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.registry.register(GC_COLLECTOR)

    def observe_inbox_lag(self, event: CloudEvent) -> None:
        """Record how long an event took from its time to being applied here."""
        lag = time.time() - event.time.timestamp()
        self.inbox_lag.labels(event.source).observe(max(lag, 0.0))

    async def exposition(
        self, accept: str | None, engine: AsyncEngine, kernel: KernelTables
    ) -> tuple[bytes, str]:
        """Refresh what is measured at scrape time, then render in the format asked for."""
        await self.outbox.refresh(engine, kernel)
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type


# Sessions reach their app's metrics through their engine (accept_once gets only a session).
_by_engine: weakref.WeakKeyDictionary[AsyncEngine, AppMetrics] = weakref.WeakKeyDictionary()


def observe_inbox_lag(session: AsyncSession, event: CloudEvent) -> None:
    """Record an applied event's lag in the metrics of the app that owns the session's engine."""
    bind = session.bind
    metrics = _by_engine.get(bind) if bind is not None else None  # type: ignore[arg-type]
    if metrics is not None:
        metrics.observe_inbox_lag(event)


async def start_metrics(app: FastAPI, stack: AsyncExitStack) -> None:
    """Tie the metrics to the app's engine and serve them when `FSM_METRICS_PORT` is set."""
    metrics: AppMetrics = app.state.metrics
    settings: KernelSettings = app.state.settings
    engine: AsyncEngine = app.state.engine
    _by_engine[engine] = metrics
    if settings.metrics_port is None:
        return

    async def scrape(request: web.Request) -> web.Response:
        body, content_type = await metrics.exposition(
            request.headers.get("Accept"), engine, app.state.kernel
        )
        return web.Response(body=body, headers={"Content-Type": content_type})

    server = web.Application()
    server.router.add_get(METRICS_PATH, scrape)
    runner = web.AppRunner(server, access_log=None, handle_signals=False)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    await web.TCPSite(runner, settings.metrics_host, settings.metrics_port).start()
    log.info(
        "metrics at http://%s:%d%s", settings.metrics_host, settings.metrics_port, METRICS_PATH
    )
