"""The gateway: the only door in. Verifies tokens, resolves practitioners, routes to backends."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AsyncExitStack
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.access_log.router import router as access_log_router
from gateway.directory.models import kernel
from gateway.directory.router import directory_routers, me_router
from gateway.docs import DocumentFetcher, MergedOpenApi, install_docs
from gateway.metrics import install_gateway_metrics
from gateway.middleware import GatewayMiddleware
from gateway.proxy_routes import matches_prefix
from gateway.refusals.router import router as refusals_router
from gateway.runtime import GatewayRuntime, start_runtime
from gateway.scim.router import router as scim_router
from gateway.settings import GatewaySettings
from services.app import ServiceApp, create_service_app
from services.asgi import send_problem
from services.disconnect import CancelOnDisconnect
from services.metrics import RequestMetricsMiddleware
from services.registry import BACKENDS, GATEWAY
from services.request_context import RequestContextMiddleware
from services.security_headers import SecurityHeadersMiddleware
from services.tracing import Tracing

CORS_REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "If-Match",
    "Idempotency-Key",
    "X-Request-ID",
    "X-Access-Purpose",
)
CORS_EXPOSED_HEADERS = ("ETag", "Location", "Retry-After", "X-Request-ID", "Idempotent-Replayed")
# One router module declares both tags, so its docstring cannot describe each.
TAG_DESCRIPTIONS = {
    "me": "Who the gateway takes the caller to be: practitioner, discipline, teams and roles.",
    "directory": (
        "The practitioner directory the gateway admits callers by: teams, practitioners,"
        " memberships and disciplines. Changes need the administrator role."
    ),
    "scim": (
        "SCIM 2.0 provisioning (RFC 7644) of practitioners and teams by the council's identity"
        " provider, with its own provisioning credential (never a practitioner's token)."
    ),
}
PROXIED_PREFIXES = tuple(unit.route_prefix for unit in BACKENDS if unit.route_prefix)


async def _not_proxied(scope: Scope, receive: Receive, send: Send) -> None:
    # GatewayMiddleware forwards every path under a proxied prefix; this is never reached.
    await send_problem(send, 404, "not-found", "No such resource.")


class GatewayApp(ServiceApp):
    """FastAPI, except that proxied requests skip its middleware stack.

    Requests under a backend's prefix go straight to the same RequestContext →
    CancelOnDisconnect → Gateway chain the stack would reach (error handling kept), without
    FastAPI's and Starlette's own layers, which cost tens of microseconds a request
    (bench/README.md). Everything else, lifespan included, is plain FastAPI. Security headers
    go on once, outside everything (CORS answers, proxied responses and FastAPI's own alike).
    """

    _proxied_stack: ASGIApp | None = None
    _cors: ASGIApp | None = None
    _entry: ASGIApp | None = None

    def allow_origins(self, origins: Sequence[str]) -> None:
        """Answer browsers' CORS checks for these origins, in front of everything else.

        Outermost, so a preflight (which carries no token) is answered before authentication,
        and errors from any layer still carry the CORS headers a browser needs to read them.
        """
        self._entry = None
        if not origins:
            self._cors = None
            return
        self._cors = CORSMiddleware(
            self._dispatch,
            allow_origins=list(origins),
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=list(CORS_REQUEST_HEADERS),
            expose_headers=list(CORS_EXPOSED_HEADERS),
            # Bearer tokens, never cookies: browsers need not send credentials.
            allow_credentials=False,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        entry = self._entry
        if entry is None:
            inner = self._cors if self._cors is not None else self._dispatch
            entry = self._entry = SecurityHeadersMiddleware(inner)
        await entry(scope, receive, send)

    def _build_proxied_stack(self) -> ASGIApp:
        inner: ASGIApp = RequestMetricsMiddleware(
            RequestContextMiddleware(CancelOnDisconnect(GatewayMiddleware(_not_proxied))),
            self.state.metrics.requests,
        )
        tracing: Tracing | None = self.state.tracing
        if tracing is not None:
            inner = tracing.wrap_asgi(inner, _proxied_span_details)
        return ServerErrorMiddleware(
            inner, handler=self.exception_handlers.get(Exception), debug=self.debug
        )

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            for prefix in PROXIED_PREFIXES:
                if matches_prefix(path, prefix):
                    scope["app"] = self
                    stack = self._proxied_stack
                    if stack is None:
                        stack = self._proxied_stack = self._build_proxied_stack()
                    await stack(scope, receive, send)
                    return
        # Security headers were applied in __call__, around everything.
        await self.unsecured(scope, receive, send)


def _proxied_span_details(scope: Scope) -> tuple[str, dict[str, Any]]:
    """Name a proxied request's span by its route template, never by the path."""
    path: str = scope["path"]
    prefix = next((p for p in PROXIED_PREFIXES if matches_prefix(path, p)), "")
    template = f"{prefix}/{{path}}"
    return f"{scope['method']} {template}", {"http.route": template}


def create_app(
    settings: GatewaySettings | None = None,
    *,
    jwks_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build the gateway app; tests may route the identity provider's JWKS fetch in-process."""
    settings = settings or GatewaySettings()

    async def start(app: FastAPI, stack: AsyncExitStack) -> None:
        await start_runtime(app, stack, jwks_transport=jwks_transport)

    app = create_service_app(
        unit=GATEWAY,
        settings=settings,
        kernel=kernel,
        routers=[
            me_router,
            *directory_routers,
            refusals_router,
            access_log_router,
            scim_router,
        ],
        title="Family Safeguarding API gateway",
        description=(
            "The single entry point: verifies access tokens, resolves practitioners from the"
            " directory and routes /workbook, /supervision, /interventions and /pathway to the"
            " services."
        ),
        on_startup=[start],
        auth_middleware=Middleware(GatewayMiddleware),
        app_class=GatewayApp,
        tag_descriptions=TAG_DESCRIPTIONS,
    )
    _serve_merged_docs(app)
    install_gateway_metrics(app)
    assert isinstance(app, GatewayApp)
    app.allow_origins(settings.cors_allow_origins)
    # httpx logs every request's full URL at INFO; query strings can carry personal data.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return app


def _serve_merged_docs(app: FastAPI) -> None:
    """Replace the gateway's own /openapi.json with the whole system's, and serve /docs."""

    def fetcher(unit_name: str) -> DocumentFetcher:
        async def fetch() -> dict[str, Any]:
            runtime: GatewayRuntime = app.state.gateway
            return await runtime.proxy.fetch_document(unit_name)

        return fetch

    def own_document() -> dict[str, Any]:
        return app.openapi()

    kept: list[BaseRoute] = [
        route for route in app.router.routes if getattr(route, "path", None) != "/openapi.json"
    ]
    app.router.routes[:] = kept
    backends = {unit.name: (unit.route_prefix or "", fetcher(unit.name)) for unit in BACKENDS}
    install_docs(app, MergedOpenApi(own_document, backends))
