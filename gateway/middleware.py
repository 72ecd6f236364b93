"""The gateway's edge: authenticate every request, then proxy it or hand it to our own routes."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.asgi import send_problem_error
from gateway.refusals.audit import auditing_refusals
from gateway.runtime import GatewayRuntime
from services.asgi import BodyTooLarge, ClientGone, read_body, replaying, send_problem
from services.errors import ProblemError
from services.internal_auth import PUBLIC_PATHS
from services.principal import attach_principal

DOCS_PATH = "/docs"
SCIM_PATH = "/scim/"


def is_public(path: str) -> bool:
    """Probes, the OpenAPI document and the docs page need no token: they hold no data."""
    return path in PUBLIC_PATHS or path == DOCS_PATH or path.startswith(DOCS_PATH + "/")


class GatewayMiddleware:
    """Admit the caller (token → rate limit → directory), then route by path prefix.

    Proxied requests leave here and never reach FastAPI, the idempotency middleware or the
    database: backends do their own idempotency. Everything else (/me, /directory, unknown
    paths, which FastAPI answers with a 404 problem) continues inward with the principal on
    the scope and a bounded body.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        runtime: GatewayRuntime = scope["app"].state.gateway
        if scope["path"].startswith(SCIM_PATH):
            # Identity providers provision with a credential of their own, which the SCIM
            # routes check (gateway/scim/credentials.py); no practitioner token is involved.
            await self._own_route(scope, receive, send, runtime.settings.max_own_body_bytes)
            return
        capability = runtime.proxy.capability_route(scope)
        if capability is not None:
            scope["route"] = capability.logged
            await runtime.proxy.forward(capability, None, scope, receive, send)
            return
        try:
            principal = await runtime.admit(scope)
        except ProblemError as error:
            await send_problem_error(send, error, scope)
            return
        route = runtime.proxy.match(scope["path"])
        if route is not None:
            scope["route"] = route.logged
            await runtime.proxy.forward(route, principal, scope, receive, send)
            return
        attach_principal(scope, principal)
        send = auditing_refusals(scope, principal, send)
        await self._own_route(scope, receive, send, runtime.settings.max_own_body_bytes)

    async def _own_route(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        headers = scope["headers"]
        has_body = any(name in (b"content-length", b"transfer-encoding") for name, _ in headers)
        if not has_body:
            await self.app(scope, receive, send)
            return
        # Our own endpoints take small JSON bodies: read them whole, within the limit.
        try:
            body = await read_body(receive, limit)
        except ClientGone:
            return
        except BodyTooLarge:
            await send_problem(send, 413, "too-large", f"The request body exceeds {limit} bytes.")
            return
        await self.app(scope, replaying(body, receive), send)
