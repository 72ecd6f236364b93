"""Forward authenticated requests to the backends, streaming both ways.

Deny by default: only the registry's route prefixes are forwarded, and the backend receives the
path without its prefix (`/workbook/cases/1` → `/cases/1`), since backends mount at root. The
client's credentials and anything claiming identity are stripped; the backend's only evidence of
who is calling is the gateway's short-lived internal token. The routes themselves, and the
pooled sessions they hold, are in `proxy_routes`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any, Final

import aiohttp
import yarl
from starlette.types import Message, Receive, Scope, Send

from gateway.proxy_headers import (
    content_length,
    forwardable_request_headers,
    header_text,
    relayable_response_headers,
)
from gateway.proxy_routes import Route, matches_prefix
from services.asgi import send_problem
from services.internal_auth import SIGNED_PATHS, is_capability_request
from services.internal_token import InternalTokenIssuer
from services.principal import Principal
from services.request_context import current_request_id

log = logging.getLogger(__name__)

_REFUSED_METHODS: Final = frozenset({"CONNECT", "TRACE"})
# Methods whose repetition is not harmless by themselves: the client needs to hear that its
# Idempotency-Key makes a retry safe (the backend replays a change it already made).
_UNSAFE_TO_REPEAT: Final = frozenset({"POST", "PATCH"})
# How long a client should wait before retrying after a backend failed to answer.
UPSTREAM_RETRY_AFTER_SECONDS: Final = 2


class _Abort(Exception):
    """The request body could not be forwarded; `problem` says what to answer, if anything."""

    def __init__(self, problem: tuple[int, str, str] | None) -> None:
        super().__init__(problem)
        self.problem = problem


class _BodyState:
    __slots__ = ("abort",)

    def __init__(self) -> None:
        self.abort: _Abort | None = None


class Proxy:
    """Match paths to backends and forward requests to them."""

    def __init__(
        self, routes: Sequence[Route], issuer: InternalTokenIssuer, *, max_body_bytes: int
    ) -> None:
        self._routes = tuple(routes)
        self._issuer = issuer
        self._max_body = max_body_bytes

    @property
    def routes(self) -> tuple[Route, ...]:
        return self._routes

    async def fetch_document(self, unit_name: str) -> dict[str, Any]:
        """Fetch a backend's own OpenAPI document (a public path on every service)."""
        route = next(route for route in self._routes if route.unit.name == unit_name)
        async with route.upstream.get(
            yarl.URL(route.base + "/openapi.json", encoded=True),
            headers={"accept": "application/json"},
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(
                total=route.timeout_seconds, connect=route.connect_timeout_seconds
            ),
        ) as response:
            response.raise_for_status()
            document: dict[str, Any] = await response.json()
        return document

    async def read_as(
        self,
        unit_name: str,
        principal: Principal,
        path: str,
        *,
        params: dict[str, str],
        purpose: str | None,
    ) -> tuple[int, Any]:
        """GET a backend's own `path` as `principal` (the gateway's fan-out reads), returning
        its status and JSON body; transport failures raise aiohttp's or TimeoutError."""
        route = next(route for route in self._routes if route.unit.name == unit_name)
        headers = {
            "authorization": "Bearer " + self._issuer.token_for(principal, route.unit.name),
            "accept": "application/json",
            "x-request-id": current_request_id(),
        }
        if purpose is not None:
            headers["x-access-purpose"] = purpose
        async with route.upstream.get(
            yarl.URL(route.base + path).with_query(params),
            headers=headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(
                total=route.timeout_seconds, connect=route.connect_timeout_seconds
            ),
        ) as response:
            body = await response.json(content_type=None) if response.status < 500 else None
            return response.status, body

    def match(self, path: str) -> Route | None:
        """The route whose prefix is `path` or a parent of it."""
        for route in self._routes:
            if matches_prefix(path, route.prefix):
                return route
        return None

    def capability_route(self, scope: Scope) -> Route | None:
        """The route of a capability URL's GET (services/internal_auth.py), if it is one: its
        secret is its credential, checked by the backend, so it is forwarded without a token."""
        route = self.match(scope["path"])
        if route is None or not is_capability_request(
            scope["method"], scope["path"][len(route.prefix) :]
        ):
            return None
        return route

    async def forward(
        self,
        route: Route,
        principal: Principal | None,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        """Send the request to the route's backend and stream its answer back (as `principal`;
        None only for a capability URL)."""
        method: str = scope["method"]
        if method in _REFUSED_METHODS and principal is not None:
            await self._refuse_method(route, principal, scope, send)
            return
        client_headers: list[tuple[bytes, bytes]] = scope["headers"]
        try:
            length = content_length(client_headers)
        except ValueError:
            await send_problem(send, 400, "bad-request", "The Content-Length header is invalid.")
            return
        if length is not None and length > self._max_body:
            await self._too_large(send)
            return
        url = self._target(route, scope)
        if url is None:
            await send_problem(send, 404, "not-found", "No such resource.")
            return

        has_body = (length is not None and length > 0) or any(
            name == b"transfer-encoding" for name, _ in client_headers
        )
        state = _BodyState()
        headers = self._request_headers(route, principal, scope, client_headers)
        try:
            response = await route.upstream.request(
                method,
                url,
                headers=headers,
                data=self._body(receive, state) if has_body else None,
                allow_redirects=False,
                auto_decompress=False,
                timeout=route.timeout,
            )
        except Exception as exc:
            await self._failed(route, method, exc, state, send)
            return
        try:
            await self._relay(route, response, send)
        except BaseException:
            # The client went away or we were cancelled: never reuse a half-read connection.
            response.close()
            raise
        response.release()

    async def _refuse_method(
        self, route: Route, principal: Principal, scope: Scope, send: Send
    ) -> None:
        """Answer TRACE/CONNECT with 405 here, never forwarding them, and the backend's Allow.

        The backend knows its routes: it is asked with an OPTIONS that carries nothing of the
        client's request but its path. A path it does not have gets its own answer (404).
        """
        url = self._target(route, scope)
        if url is None:
            await send_problem(send, 404, "not-found", "No such resource.")
            return
        headers = {
            "authorization": "Bearer " + self._issuer.token_for(principal, route.unit.name),
            "x-request-id": current_request_id(),
            "x-forwarded-prefix": route.prefix,
        }
        try:
            response = await route.upstream.request(
                "OPTIONS", url, headers=headers, allow_redirects=False, timeout=route.timeout
            )
        except Exception as exc:
            await self._failed(route, "OPTIONS", exc, _BodyState(), send)
            return
        if 200 <= response.status < 300:
            allow = response.headers.get("allow")
            response.release()
            if allow is None:
                log.warning("upstream %s answered OPTIONS without Allow", route.unit.name)
            await send_problem(
                send,
                405,
                "method-not-allowed",
                f"{scope['method']} is not supported.",
                headers={"Allow": allow} if allow is not None else None,
                instance=scope["path"],
            )
            return
        try:
            await self._relay(route, response, send)
        except BaseException:
            response.close()
            raise
        response.release()

    def _target(self, route: Route, scope: Scope) -> yarl.URL | None:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        if not raw_path.startswith(route.prefix_bytes):
            # The prefix itself was percent-encoded: not something a real client sends.
            return None
        rest = raw_path[len(route.prefix_bytes) :] or b"/"
        if not rest.startswith(b"/"):
            return None
        if scope["path"][len(route.prefix) :].rstrip("/") in SIGNED_PATHS:
            # Service-to-service endpoints (the event inbox) are not reachable from outside.
            return None
        query: bytes = scope.get("query_string", b"")
        target = rest + (b"?" + query if query else b"")
        try:
            # encoded=True: the path and query go to the backend exactly as the client sent them.
            return yarl.URL(route.base + target.decode("ascii"), encoded=True)
        except (ValueError, UnicodeError):
            return None

    def _request_headers(
        self,
        route: Route,
        principal: Principal | None,
        scope: Scope,
        client_headers: Sequence[tuple[bytes, bytes]],
    ) -> list[tuple[str, str]]:
        headers, forwarded_host = forwardable_request_headers(client_headers)
        if principal is not None:
            token = self._issuer.token_for(principal, route.unit.name)
            headers.append(("authorization", "Bearer " + token))
        headers.append(("x-request-id", current_request_id()))
        client = scope.get("client")
        if client:
            headers.append(("x-forwarded-for", str(client[0])))
        headers.append(("x-forwarded-proto", str(scope.get("scheme", "http"))))
        if forwarded_host:
            headers.append(("x-forwarded-host", header_text(forwarded_host)))
        headers.append(("x-forwarded-prefix", route.prefix))
        return headers

    async def _body(self, receive: Receive, state: _BodyState) -> AsyncIterator[bytes]:
        received = 0
        while True:
            message: Message = await receive()
            if message["type"] == "http.disconnect":
                state.abort = _Abort(None)
                raise state.abort
            chunk: bytes = message.get("body", b"")
            received += len(chunk)
            if received > self._max_body:
                state.abort = _Abort(
                    (413, "too-large", f"The request body exceeds {self._max_body} bytes.")
                )
                raise state.abort
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return

    async def _too_large(self, send: Send) -> None:
        await send_problem(
            send, 413, "too-large", f"The request body exceeds {self._max_body} bytes."
        )

    async def _failed(
        self, route: Route, method: str, exc: Exception, state: _BodyState, send: Send
    ) -> None:
        # Our own body reader's verdict wins: transports wrap its exception in their own.
        if state.abort is not None:
            if state.abort.problem is not None:
                status, slug, detail = state.abort.problem
                await send_problem(send, status, slug, detail)
            return
        name = route.unit.name
        keyed_retry = ""
        if method in _UNSAFE_TO_REPEAT:
            keyed_retry = " Retrying with the same Idempotency-Key is safe."
        if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
            log.warning("upstream %s unreachable: %s", name, type(exc).__name__)
            status, slug = 502, "upstream-unavailable"
            detail = f"The {name} service cannot be reached; retry shortly.{keyed_retry}"
        elif isinstance(exc, TimeoutError):  # also aiohttp.ServerTimeoutError
            log.warning("upstream %s timed out after %.1fs", name, route.timeout_seconds)
            status, slug = 504, "upstream-timeout"
            detail = (
                f"The {name} service did not answer in time. The change may still have been"
                " made: retry with the same Idempotency-Key."
            )
        else:
            if isinstance(exc, aiohttp.ClientError):
                log.warning("upstream %s failed: %s", name, type(exc).__name__)
            else:
                log.error("upstream %s request failed", name, exc_info=exc)
            # The request may or may not have reached the backend; a keyed retry settles it.
            status, slug = 502, "upstream-error"
            detail = f"The {name} service failed to answer properly; retry shortly.{keyed_retry}"
        await send_problem(
            send,
            status,
            slug,
            detail,
            headers={"Retry-After": str(UPSTREAM_RETRY_AFTER_SECONDS)},
        )

    async def _relay(self, route: Route, response: aiohttp.ClientResponse, send: Send) -> None:
        headers = relayable_response_headers(response.raw_headers, route.prefix_bytes)
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        try:
            async for chunk in response.content.iter_any():
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except (aiohttp.ClientError, TimeoutError) as exc:
            # Headers are gone already: end without completing, so the server drops the
            # connection and the client cannot mistake a truncated body for a whole one.
            log.warning("upstream %s broke off mid-response: %s", route.unit.name, exc)
            response.close()
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})
