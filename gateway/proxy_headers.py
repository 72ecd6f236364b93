"""Which headers cross the gateway, each way, and what the gateway sets itself.

Hop-by-hop headers (and those a `Connection` header names) never cross; the client's
credentials, cookies and anything claiming identity or forwarding never reach a backend (the
gateway sets `X-Forwarded-*` and the request id from what it knows); a backend's root-mounted
`Location` gets the client's prefix back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from services.internal_auth import is_identity_header

# RFC 9110 7.6.1: meaningful for one connection only, never forwarded.
HOP_BY_HOP: Final = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Set by us from what we know, never passed through from the client.
_FORWARDING: Final = frozenset({b"forwarded", b"x-real-ip", b"x-request-id"})
_REQUEST_DROP: Final = HOP_BY_HOP | _FORWARDING | {b"host", b"authorization", b"cookie", b"expect"}
# The ASGI server sets its own Date and Server; the request id middleware sets ours.
_RESPONSE_DROP: Final = HOP_BY_HOP | {b"date", b"server", b"x-request-id"}


def header_text(value: bytes) -> str:
    """A header value as text for aiohttp."""
    # aiohttp writes header values as UTF-8: keep UTF-8 intact, read anything else as latin-1.
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def connection_tokens(headers: Sequence[tuple[bytes, bytes]]) -> set[bytes]:
    """The headers a `Connection` header names: hop-by-hop for this connection only."""
    named: set[bytes] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            named.update(part.strip().lower() for part in value.split(b","))
    return named


def content_length(headers: Sequence[tuple[bytes, bytes]]) -> int | None:
    """The request's declared length; conflicting or malformed values are refused."""
    values = {value.strip() for name, value in headers if name == b"content-length"}
    if not values:
        return None
    if len(values) > 1:
        raise ValueError("conflicting Content-Length")
    value = values.pop()
    if not value.isdigit():
        raise ValueError("invalid Content-Length")
    return int(value)


def forwardable_request_headers(
    client_headers: Sequence[tuple[bytes, bytes]],
) -> tuple[list[tuple[str, str]], bytes]:
    """The client's headers a backend may see, and the `Host` the client asked for."""
    named = connection_tokens(client_headers)
    headers: list[tuple[str, str]] = []
    forwarded_host = b""
    for name, value in client_headers:
        lower = name.lower()
        if lower == b"host":
            forwarded_host = value
        if (
            lower in _REQUEST_DROP
            or lower in named
            or lower.startswith((b"proxy-", b"x-forwarded-"))
            or is_identity_header(lower)
        ):
            continue
        headers.append((lower.decode("latin-1"), header_text(value)))
    return headers, forwarded_host


def relayable_response_headers(
    raw: Sequence[tuple[bytes, bytes]], prefix: bytes
) -> list[tuple[bytes, bytes]]:
    """The backend's response headers a client may see, with `Location` under the prefix."""
    named = connection_tokens(raw)
    headers: list[tuple[bytes, bytes]] = []
    for name, value in raw:
        lower = name.lower()
        if lower in _RESPONSE_DROP or lower in named or lower.startswith(b"proxy-"):
            continue
        if lower == b"location" and value.startswith(b"/") and not value.startswith(b"//"):
            # Backends answer in their own root-mounted paths; clients see the prefix.
            value = prefix + value
        headers.append((lower, value))
    return headers
