"""Security headers on every response, as pure ASGI middleware.

Case data must not stay in a shared council PC's browser cache, and no response may be sniffed
into another type, framed by another site or leak its URL as a referrer. Every unit installs
this outermost (services.app.ServiceApp), and the gateway around its proxied fast path too.

Which paths get which policy is decided in one place, PATH_POLICIES; every other path is an API
response and gets API_POLICY. The headers are always the policy's, replacing whatever a handler
or a backend sent, except Cache-Control: a handler's own value is kept when it is at least as
strict (it forbids storing), and on cacheable paths (static docs assets) whenever it has one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.html_report import REPORT_CSP
from services.registry import BACKENDS

NO_STORE: Final = "no-store"
API_CSP: Final = "default-src 'none'; frame-ancestors 'none'"
# Swagger UI runs from the gateway's own assets, with an external init script; its inline
# styles and data: images are the only exceptions it needs.
DOCS_CSP: Final = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
    " frame-ancestors 'none'"
)


@dataclass(frozen=True)
class HeaderPolicy:
    """The security headers one kind of response carries."""

    content_security_policy: str
    # Sent when the response has no Cache-Control at least as strict as the policy allows.
    cache_control: str = NO_STORE
    # True: a handler's own Cache-Control is kept, whatever it says (content without data).
    cacheable: bool = False
    fixed: tuple[tuple[bytes, bytes], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "fixed",
            (
                (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"no-referrer"),
                (b"x-frame-options", b"DENY"),
                (b"content-security-policy", self.content_security_policy.encode("latin-1")),
            ),
        )


API_POLICY: Final = HeaderPolicy(API_CSP)
DOCS_POLICY: Final = HeaderPolicy(DOCS_CSP)
# Swagger UI's files hold no data: browsers may keep them, revalidating (ETag) on each use so
# that an upgrade is never masked by a stale copy.
DOCS_ASSETS_POLICY: Final = HeaderPolicy(DOCS_CSP, cache_control="no-cache", cacheable=True)

# Server-rendered reports (services/html_report.py): no script, charts as data: images, the
# one stylesheet by its hash. Each unit serves them under /reports, the gateway under its prefix.
REPORT_POLICY: Final = HeaderPolicy(REPORT_CSP)

# The one place that says which paths are not API responses: (path prefix, policy), most
# specific first. A prefix matches itself and everything below it.
PATH_POLICIES: Final[tuple[tuple[str, HeaderPolicy], ...]] = (
    ("/docs/assets", DOCS_ASSETS_POLICY),
    ("/docs", DOCS_POLICY),
    ("/reports", REPORT_POLICY),
    *((f"{unit.route_prefix}/reports", REPORT_POLICY) for unit in BACKENDS),
)

_MANAGED: Final = frozenset(name for name, _ in API_POLICY.fixed) | {b"cache-control"}


def policy_for(
    path: str,
    policies: Sequence[tuple[str, HeaderPolicy]] = PATH_POLICIES,
    default: HeaderPolicy = API_POLICY,
) -> HeaderPolicy:
    """The policy for a request path: the first prefix that is the path or a parent of it."""
    for prefix, policy in policies:
        if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
            return policy
    return default


def forbids_storing(cache_control: str) -> bool:
    """Whether a Cache-Control value carries the no-store directive."""
    return any(
        directive.split("=", 1)[0].strip().lower() == NO_STORE
        for directive in cache_control.split(",")
    )


def secured_headers(
    headers: Sequence[tuple[bytes, bytes]], policy: HeaderPolicy
) -> list[tuple[bytes, bytes]]:
    """The response headers with the policy's security headers in place of any others."""
    kept: list[tuple[bytes, bytes]] = []
    cache_control: list[bytes] = []
    for name, value in headers:
        lower = name.lower()
        if lower in _MANAGED:
            if lower == b"cache-control":
                cache_control.append(value)
            continue
        kept.append((name, value))
    own = b", ".join(cache_control).decode("latin-1")
    if own and (policy.cacheable or forbids_storing(own)):
        kept.append((b"cache-control", own.encode("latin-1")))
    else:
        kept.append((b"cache-control", policy.cache_control.encode("latin-1")))
    kept.extend(policy.fixed)
    return kept


class SecurityHeadersMiddleware:
    """Put the path's security headers on every HTTP response that passes through."""

    def __init__(
        self,
        app: ASGIApp,
        policies: Sequence[tuple[str, HeaderPolicy]] = PATH_POLICIES,
        default: HeaderPolicy = API_POLICY,
    ) -> None:
        self.app = app
        self.policies = tuple(policies)
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = policy_for(scope["path"], self.policies, self.default)

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = secured_headers(message.get("headers", ()), policy)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_secured)
