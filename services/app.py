"""Build a service's FastAPI app with the kernel's middleware, handlers and lifespan."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from services.access_log.ownership import CaseOwnership, find_case_ownership
from services.access_log.router import access_log_router
from services.allowed_methods import AllowedMethodsMiddleware
from services.audit_sealer import sealer_lifespan_hook
from services.db import create_engine, create_sessionmaker, install_database_handlers
from services.db_reach import DatabaseReach
from services.disconnect import CancelOnDisconnect
from services.documents.process import LayoutProcesses
from services.errors import install_problem_handlers
from services.health import router as health_router
from services.idempotency import REPLAY_HEADER, IdempotentReplay
from services.inbox import Inbox, inbox_router
from services.internal_auth import InternalAuthMiddleware
from services.internal_token import InternalTokenVerifier
from services.kernel_tables import KernelTables
from services.metrics import AppMetrics, RequestMetricsMiddleware, start_metrics
from services.openapi_conventions import install_openapi_conventions
from services.openapi_tags import describe_tags
from services.registry import Unit
from services.relay import relay_lifespan_hook
from services.request_context import RequestContextMiddleware, configure_logging
from services.routing import problem_responses
from services.security_headers import SecurityHeadersMiddleware
from services.settings import KernelSettings
from services.tracing import Tracing
from services.unit_calls import UnitCalls
from services.webhooks.lifespan import webhooks_lifespan_hook
from services.webhooks.router import webhooks_router

log = logging.getLogger(__name__)

LifespanHook = Callable[[FastAPI, AsyncExitStack], Awaitable[None]]


class ServiceApp(FastAPI):
    """FastAPI with security headers outside everything, its own 500 responses included.

    Wrapped around `__call__` rather than inside the middleware stack, which instrumentation
    (OpenTelemetry) expects to start with Starlette's ServerErrorMiddleware.
    """

    _secured: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        secured = self._secured
        if secured is None:
            secured = self._secured = SecurityHeadersMiddleware(self.unsecured)
        await secured(scope, receive, send)

    async def unsecured(self, scope: Scope, receive: Receive, send: Send) -> None:
        """FastAPI itself, without the headers (for a subclass that adds them elsewhere)."""
        await super().__call__(scope, receive, send)


def install_replay_handler(app: FastAPI) -> None:
    """Send a stored response when an idempotent request is retried."""

    async def on_replay(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, IdempotentReplay)
        stored = exc.stored
        headers = {**stored.headers, REPLAY_HEADER: "true"}
        return Response(content=stored.body, status_code=stored.status, headers=headers)

    app.add_exception_handler(IdempotentReplay, on_replay)


def load_internal_verifier(settings: KernelSettings, service: str) -> InternalTokenVerifier:
    """Read the gateway's public internal-token keys and build this service's verifier."""
    jwks = json.loads(settings.resolved_internal_jwks_file().read_text())
    return InternalTokenVerifier(jwks, service)


def create_service_app(
    *,
    unit: Unit,
    settings: KernelSettings,
    kernel: KernelTables,
    routers: Sequence[APIRouter],
    title: str,
    description: str,
    version: str = "0.1.0",
    on_startup: Sequence[LifespanHook] = (),
    internal_auth: bool = True,
    auth_middleware: Middleware | None = None,
    app_class: type[ServiceApp] = ServiceApp,
    tag_descriptions: Mapping[str, str] | None = None,
    inbox: Inbox | None = None,
    case_ownership: CaseOwnership | None = None,
) -> FastAPI:
    """Assemble an app: lifespan resources, problem handlers, pure ASGI middleware.

    `auth_middleware` replaces the internal-token check for an app at the edge (the gateway
    authenticates external tokens itself); it sits where InternalAuth would. `app_class` lets
    an app take some requests before FastAPI's middleware stack (the gateway's proxied paths).
    Tags are described by their router module's docstring unless `tag_descriptions` names them.
    `case_ownership` tells the access log which team owns each case (services/access_log/); a
    unit with the case projection need not give it.
    """
    internal_auth = internal_auth and auth_middleware is None
    # Every unit behind the gateway offers external subscriptions to its own events.
    webhooks = unit.route_prefix is not None
    if webhooks:
        routers = [*routers, webhooks_router(unit)]
        on_startup = [*on_startup, webhooks_lifespan_hook()]
        # ... and its own access log to the DPO, its auditors and each actor.
        ownership = case_ownership or find_case_ownership(kernel.audit_log.metadata)
        routers = [*routers, access_log_router(unit, ownership)]
    configure_logging(settings.log_level, json_lines=settings.log_json)
    tracing = Tracing.for_unit(unit.name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if tracing is not None:
                stack.push_async_callback(tracing.shutdown)
            engine = create_engine(settings, application_name=f"fsm-{unit.name}")
            stack.push_async_callback(engine.dispose)
            if tracing is not None:
                tracing.instrument_engine(engine)
            app.state.engine = engine
            app.state.sessionmaker = create_sessionmaker(engine)
            app.state.db_reach = DatabaseReach(
                app.state.sessionmaker, budget_seconds=settings.db_wait_budget_seconds
            )
            stack.push_async_callback(app.state.db_reach.close)
            await start_metrics(app, stack)
            # Before the hooks, so it is shut down after the workers that lay out with it.
            app.state.layout_processes = LayoutProcesses(settings.layout_processes)
            stack.push_async_callback(app.state.layout_processes.close)
            if internal_auth:
                app.state.internal_verifier = load_internal_verifier(settings, unit.name)
                app.state.unit_calls = UnitCalls.for_unit(unit, settings)
                if app.state.unit_calls is not None:
                    stack.push_async_callback(app.state.unit_calls.aclose)
            # Every service relays its outbox (idle without subscribers) and seals its audit log.
            for hook in (*on_startup, relay_lifespan_hook(), sealer_lifespan_hook()):
                await hook(app, stack)
            # Start-up leaves ~100k long-lived objects (models, routes, schemas); full GC
            # passes over them stalled requests ~100 ms each second (bench/README.md).
            gc.collect()
            gc.freeze()
            log.info("%s started", unit.name)
            yield

    app = app_class(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        openapi_tags=describe_tags([health_router, *routers], tag_descriptions),
        # FastAPI's native telemetry hooks cost tens of microseconds a request; we export none.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.kernel = kernel
    app.state.unit = unit
    app.state.metrics = AppMetrics(unit, settings, app)
    app.state.tracing = tracing
    install_problem_handlers(app)
    install_database_handlers(app)
    install_replay_handler(app)
    app.include_router(health_router)
    # Every unit has an inbox for the others' events; one that takes none applies nothing.
    app.include_router(inbox_router(inbox or Inbox()))
    for router in routers:
        app.include_router(router)
    install_openapi_conventions(app, settings)
    # Added innermost first: the request passes RequestContext → CancelOnDisconnect →
    # InternalAuth (or the edge's) → AllowedMethods (OPTIONS answered from the routes, once
    # the caller is authenticated).
    app.add_middleware(AllowedMethodsMiddleware)
    if auth_middleware is not None:
        app.add_middleware(auth_middleware.cls, *auth_middleware.args, **auth_middleware.kwargs)
    elif internal_auth:
        app.add_middleware(InternalAuthMiddleware)
    app.add_middleware(CancelOnDisconnect)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(RequestMetricsMiddleware, metrics=app.state.metrics.requests)
    if tracing is not None:
        tracing.instrument_app(app)
    return app


def route_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the problem statuses an endpoint can return."""
    return problem_responses(*statuses)
