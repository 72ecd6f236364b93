"""Which methods a path accepts, from the app's own routes: for OPTIONS and for every 405.

Starlette's 405 names the methods of the first route that matched the path only, so a path
served by several routes (GET and PATCH on /teams/{id}) was answered with half the truth, and
OPTIONS was a 405 of its own. Here every route is asked, through the router's own matching,
whether it would take the path with each method.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final, TypeVar

from starlette.routing import BaseRoute, Match, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

# In the order Allow lists them. TRACE and CONNECT are never served.
PROBED_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
STATIC_METHODS: Final = frozenset({"GET", "HEAD"})
_FALLBACK_ATTRIBUTE: Final = "__fsm_fallback__"

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def fallback(endpoint: Endpoint) -> Endpoint:
    """Mark a catch-all endpoint that answers paths nothing else serves (a 404 or 405 in a
    protocol's own format): it takes every method, so it never counts towards `Allow`."""
    setattr(endpoint, _FALLBACK_ATTRIBUTE, True)
    return endpoint


def _candidates(routes: Sequence[BaseRoute]) -> Iterator[Any]:
    """Every route, with an included router's routes in its place (as it matches them)."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            yield from contexts()
        else:
            yield route


def _takes(route: Any, probe: Scope) -> Match:
    if getattr(getattr(route, "endpoint", None), _FALLBACK_ATTRIBUTE, False):
        return Match.NONE
    match: Match
    match, _ = route.matches(probe)
    if (
        match is Match.FULL
        and isinstance(route, Mount)
        and isinstance(route.app, StaticFiles)
        and probe["method"] not in STATIC_METHODS
    ):
        # A mount matches whatever the method; the static files behind it serve GET and HEAD.
        return Match.PARTIAL
    return match


def allowed_methods(routes: Sequence[BaseRoute], scope: Scope) -> list[str]:
    """The methods some route accepts at the scope's path, OPTIONS included; [] if none has it."""
    allowed: list[str] = []
    known = False
    for method in PROBED_METHODS:
        # A fresh scope per probe: matching may annotate it, and the request's must not change.
        probe: dict[str, Any] = {
            "type": "http",
            "method": method,
            "path": scope["path"],
            # A mount rewrites root_path in its child scope; the app's own is kept here.
            "root_path": scope.get("app_root_path", scope.get("root_path", "")),
            "headers": [],
            "query_string": b"",
        }
        for route in _candidates(routes):
            match = _takes(route, probe)
            if match is not Match.NONE:
                known = True
            if match is Match.FULL:
                allowed.append(method)
                break
    return [*allowed, "OPTIONS"] if known else []


def allow_header(routes: Sequence[BaseRoute], scope: Scope) -> str:
    """The Allow header value for the scope's path."""
    return ", ".join(allowed_methods(routes, scope))


class AllowedMethodsMiddleware:
    """Answer OPTIONS with 204 and Allow for any routed path; unrouted paths fall through (404).

    TRACE and CONNECT need nothing here: no route takes them, so the router's 405 answers, and
    the problem handler (services.errors) gives every 405 the full Allow.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "OPTIONS":
            await self.app(scope, receive, send)
            return
        allow = allowed_methods(scope["app"].router.routes, scope)
        if not allow:
            await self.app(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [(b"allow", ", ".join(allow).encode("latin-1"))],
            }
        )
        await send({"type": "http.response.body", "body": b""})
