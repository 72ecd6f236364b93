"""The gateway: the only door in. Verifies tokens, resolves practitioners, routes to backends."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import AsyncExitStack
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from gateway.directory.models import kernel
from gateway.directory.router import me_router
from gateway.directory.router import router as directory_router
from gateway.docs import DocumentFetcher, MergedOpenApi, install_docs
from gateway.middleware import GatewayMiddleware
from gateway.runtime import GatewayRuntime, start_runtime
from gateway.settings import GatewaySettings
from services.app import create_service_app
from services.registry import BACKENDS, GATEWAY


def create_app(
    settings: GatewaySettings | None = None,
    *,
    upstream_transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    jwks_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """Build the gateway app; tests may route upstreams and the JWKS fetch to in-process apps."""
    settings = settings or GatewaySettings()

    async def start(app: FastAPI, stack: AsyncExitStack) -> None:
        await start_runtime(
            app, stack, upstream_transports=upstream_transports, jwks_transport=jwks_transport
        )

    app = create_service_app(
        unit=GATEWAY,
        settings=settings,
        kernel=kernel,
        routers=[me_router, directory_router],
        title="Family Safeguarding API gateway",
        description=(
            "The single entry point: verifies access tokens, resolves practitioners from the"
            " directory and routes /workbook, /supervision and /interventions to the services."
        ),
        on_startup=[start],
        auth_middleware=Middleware(GatewayMiddleware),
    )
    _serve_merged_docs(app)
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
