"""Who is calling, by network address: the socket peer, or what a trusted proxy says it saw.

X-Forwarded-For is a list each proxy appends to, so only its right-hand end can be believed,
and only as far as the proxies that wrote it are ours: the walk starts at the socket peer and
moves left while the address in hand is a configured trusted proxy. The left-most entry is
whatever the client chose to send and is never believed by itself.

IPv6 clients are keyed by their /64: one household or device holds a whole /64 and could
otherwise rotate through addresses to dodge a per-address limit.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Final

from starlette.types import Scope

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

UNKNOWN: Final = "unknown"
IPV6_CLIENT_PREFIX: Final = 64


def parse_address(text: str) -> IPAddress | None:
    """An IP address from a socket peer or a forwarded entry (ports and brackets allowed)."""
    text = text.strip()
    if text.startswith("["):  # [2001:db8::1]:443
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # 192.0.2.1:443
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def forwarded_for(scope: Scope) -> list[str]:
    """Every X-Forwarded-For entry, in order, across repeated headers."""
    entries: list[str] = []
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-for":
            entries.extend(part for part in value.decode("latin-1").split(",") if part.strip())
    return entries


def address_key(address: IPAddress) -> str:
    """How one client is named for limits and audit: an IPv4 address, or an IPv6 /64."""
    if isinstance(address, ipaddress.IPv4Address):
        return str(address)
    network = ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False)
    return str(network)


def _trusted(address: IPAddress, proxies: Sequence[IPNetwork]) -> bool:
    return any(address in network for network in proxies)


def client_address(scope: Scope, trusted_proxies: Sequence[IPNetwork]) -> str:
    """The caller's address key: the socket peer, or the entry the last trusted proxy added."""
    peer = scope.get("client")
    address = parse_address(str(peer[0])) if peer else None
    if address is None:
        return UNKNOWN
    if trusted_proxies and _trusted(address, trusted_proxies):
        for entry in reversed(forwarded_for(scope)):
            hop = parse_address(entry)
            if hop is None:
                # A trusted proxy wrote something that is not an address: believe no further.
                break
            address = hop
            if not _trusted(address, trusted_proxies):
                break
    return address_key(address)
