"""Build a service's FastAPI app with the kernel's middleware, handlers and lifespan."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.middleware import Middleware

from services.db import create_engine, create_sessionmaker, install_database_handlers
from services.db_reach import DatabaseReach
from services.disconnect import CancelOnDisconnect
from services.errors import Problem, install_problem_handlers
from services.health import router as health_router
from services.idempotency import REPLAY_HEADER, IdempotencyMiddleware, IdempotentReplay
from services.internal_auth import InternalAuthMiddleware
from services.internal_token import InternalTokenVerifier
from services.kernel_tables import KernelTables
from services.registry import Unit
from services.relay import relay_lifespan_hook
from services.request_context import RequestContextMiddleware, configure_logging
from services.settings import KernelSettings

log = logging.getLogger(__name__)

LifespanHook = Callable[[FastAPI, AsyncExitStack], Awaitable[None]]


def install_replay_handler(app: FastAPI) -> None:
    """Send a stored response when an idempotent request is retried."""

    async def on_replay(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, IdempotentReplay)
        stored = exc.stored
        headers = dict(stored["headers"])
        headers[REPLAY_HEADER] = "true"
        return Response(content=stored["body"], status_code=stored["status"], headers=headers)

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
    app_class: type[FastAPI] = FastAPI,
) -> FastAPI:
    """Assemble an app: lifespan resources, problem handlers, pure ASGI middleware.

    `auth_middleware` replaces the internal-token check for an app at the edge (the gateway
    authenticates external tokens itself); it sits where InternalAuth would. `app_class` lets
    an app take some requests before FastAPI's middleware stack (the gateway's proxied paths).
    """
    internal_auth = internal_auth and auth_middleware is None
    configure_logging(settings.log_level, json_lines=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            engine = create_engine(settings, application_name=f"fsm-{unit.name}")
            stack.push_async_callback(engine.dispose)
            app.state.engine = engine
            app.state.sessionmaker = create_sessionmaker(engine)
            app.state.db_reach = DatabaseReach(
                app.state.sessionmaker, budget_seconds=settings.db_wait_budget_seconds
            )
            stack.push_async_callback(app.state.db_reach.close)
            if internal_auth:
                app.state.internal_verifier = load_internal_verifier(settings, unit.name)
            # Every service relays its outbox; without subscribers configured it stays idle.
            for hook in (*on_startup, relay_lifespan_hook()):
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
        # FastAPI's native telemetry hooks cost tens of microseconds a request; we export none.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.kernel = kernel
    app.state.unit = unit
    install_problem_handlers(app)
    install_database_handlers(app)
    install_replay_handler(app)
    app.include_router(health_router)
    for router in routers:
        app.include_router(router)
    # Added innermost first: the request passes RequestContext → CancelOnDisconnect →
    # InternalAuth → Idempotency.
    app.add_middleware(IdempotencyMiddleware, table=kernel.idempotency_key)
    if auth_middleware is not None:
        app.add_middleware(auth_middleware.cls, *auth_middleware.args, **auth_middleware.kwargs)
    elif internal_auth:
        app.add_middleware(InternalAuthMiddleware)
    app.add_middleware(CancelOnDisconnect)
    app.add_middleware(RequestContextMiddleware)
    return app


def route_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the problem statuses an endpoint can return."""
    return {
        status: {"model": Problem, "description": "Problem details (RFC 9457)"}
        for status in statuses
    }
