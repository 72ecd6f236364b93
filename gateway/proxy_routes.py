"""The routes the proxy forwards on: a backend's prefix, its pooled session and its timeouts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from gateway.settings import GatewaySettings
from services.registry import Unit


@dataclass(frozen=True, slots=True)
class LoggedRoute:
    """What the access log shows for a proxied request: the route template, never the path."""

    path: str


@dataclass(frozen=True)
class Route:
    """One routed prefix and the pooled client session for its backend."""

    unit: Unit
    prefix: str
    base_url: str
    upstream: aiohttp.ClientSession
    timeout_seconds: float
    connect_timeout_seconds: float
    prefix_bytes: bytes = field(init=False)
    base: str = field(init=False)
    logged: LoggedRoute = field(init=False)
    timeout: aiohttp.ClientTimeout = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "prefix_bytes", self.prefix.encode("ascii"))
        object.__setattr__(self, "base", self.base_url.rstrip("/"))
        object.__setattr__(self, "logged", LoggedRoute(f"{self.prefix}/{{path}}"))
        # No total: the body streams for as long as it takes. sock_read bounds the wait for
        # the answer to start (and each silence after), connect the wait for a connection.
        object.__setattr__(
            self,
            "timeout",
            aiohttp.ClientTimeout(
                total=None, connect=self.connect_timeout_seconds, sock_read=self.timeout_seconds
            ),
        )


def matches_prefix(path: str, prefix: str) -> bool:
    """Whether `prefix` is `path` or a parent of it (`/workbook` matches `/workbook/cases`)."""
    return path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/")


def upstream_session(
    settings: GatewaySettings, trace_configs: Sequence[aiohttp.TraceConfig] = ()
) -> aiohttp.ClientSession:
    """A pooled aiohttp session for one backend, called directly on the hot path.

    No cookie jar (one user's cookies must never reach another's request), no environment
    proxies, and none of the headers aiohttp would add on the client's behalf. With tracing
    on, `trace_configs` open a client span and send its `traceparent` to the backend.
    """
    return aiohttp.ClientSession(
        trace_configs=list(trace_configs) or None,
        connector=aiohttp.TCPConnector(
            limit=settings.gateway_max_connections,
            keepalive_timeout=settings.gateway_keepalive_seconds,
        ),
        cookie_jar=aiohttp.DummyCookieJar(),
        skip_auto_headers=("User-Agent", "Accept-Encoding", "Content-Type"),
        trust_env=False,
        auto_decompress=False,
    )
