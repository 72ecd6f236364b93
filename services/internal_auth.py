"""Services trust only the gateway: a short-lived signed internal token carries the principal.

A request that did not come through the gateway has no such token and is refused; identity
headers a client might add (X-Remote-User and friends) are refused outright rather than ignored,
so a misconfigured proxy in front of a service shows up at once instead of silently.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from services.asgi import send_problem
from services.internal_token import InternalTokenVerifier
from services.jose import TokenRejected
from services.principal import attach_principal

PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/openapi.json"})
# Authenticated by their own means (a signed webhook), not by the gateway's internal token.
SIGNED_PATHS = frozenset({"/events"})
_UNCHECKED = PUBLIC_PATHS | SIGNED_PATHS
# Capability URLs: GETs whose path holds a long random secret that the handler checks (a
# calendar feed for programs that cannot sign in). The gateway forwards them without a token.
CAPABILITY_PREFIX = "/feeds/"
_CAPABILITY_METHODS = frozenset({"GET", "HEAD"})


def is_capability_request(method: str, path: str) -> bool:
    """Whether a request (path as the service sees it) is a capability URL's GET."""
    return method in _CAPABILITY_METHODS and path.startswith(CAPABILITY_PREFIX)


# Headers that carry identity in other stacks; a service never accepts them from anyone.
IDENTITY_HEADER_PREFIXES = (
    b"x-fsm-",
    b"x-user",
    b"x-remote-user",
    b"x-forwarded-user",
    b"x-forwarded-email",
    b"x-principal",
    b"x-auth-request-",
    b"x-authenticated-",
    b"remote-user",
)


def is_identity_header(name: bytes) -> bool:
    """Tell whether a (lower-case) header name claims to carry identity."""
    return name.startswith(IDENTITY_HEADER_PREFIXES)


async def _refuse(send: Send, detail: str) -> None:
    await send_problem(
        send,
        401,
        "unauthorized",
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="fsm-internal"'},
    )


class InternalAuthMiddleware:
    """Verify the gateway's internal token and put the principal on the ASGI scope."""

    def __init__(self, app: ASGIApp, verifier_attr: str = "internal_verifier") -> None:
        self.app = app
        self.verifier_attr = verifier_attr

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] in _UNCHECKED
            or is_capability_request(scope["method"], scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        token: str | None = None
        for name, value in scope.get("headers", ()):
            if is_identity_header(name):
                await _refuse(send, "Identity headers are not accepted; call through the gateway.")
                return
            if name == b"authorization":
                scheme, _, credential = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and credential:
                    token = credential.strip()
        if token is None:
            await _refuse(send, "Requests must come through the gateway.")
            return
        verifier: InternalTokenVerifier = getattr(scope["app"].state, self.verifier_attr)
        try:
            principal = verifier.verify(token)
        except TokenRejected:
            await _refuse(send, "The internal token is not valid.")
            return
        attach_principal(scope, principal, credential=token)
        await self.app(scope, receive, send)
