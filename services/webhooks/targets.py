"""Where a webhook may be delivered: no server-side request forgery through a subscription.

An administrator's target URL is checked when the subscription is made or changed, and the
address it resolves to is checked again at every connection, so a name that later resolves to
an internal address (DNS rebinding) is refused too. Under the `public_https` policy (the only
one production allows) a target must be https, carry no credentials, and reach only public
unicast addresses: never loopback, private (RFC 1918, unique-local), link-local (the cloud
metadata service lives there), shared (carrier-grade NAT), multicast, reserved or unspecified
ones. The relay's connections go through `GuardedTransport`, which resolves the name itself,
checks every address and connects to the one it checked; TLS still verifies the certificate
for the name in the URL. Redirects are never followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from services.webhooks.settings import TargetPolicy

MAX_URL_LENGTH = 2000
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(ValueError):
    """A target URL (or the address it resolves to) that the policy does not allow."""


def address_allowed(address: IPAddress) -> bool:
    """Tell whether a public unicast address (what `public_https` delivers to)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_target_url(url: str, policy: TargetPolicy) -> httpx.URL:
    """Parse a target URL and refuse what the policy does not allow (without resolving it)."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"must be at most {MAX_URL_LENGTH} characters")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise TargetRefused("is not a valid URL") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise TargetRefused("must be an http(s) URL with a host")
    if parsed.userinfo:
        raise TargetRefused("must not carry credentials; the signature authenticates deliveries")
    if parsed.fragment:
        raise TargetRefused("must not have a fragment")
    if policy == "any":
        return parsed
    if parsed.scheme != "https":
        raise TargetRefused("must use https")
    literal = _literal_address(parsed.host)
    if literal is not None and not address_allowed(literal):
        raise TargetRefused("must not be a loopback, private, link-local or reserved address")
    if literal is None and (parsed.host == "localhost" or parsed.host.endswith(".localhost")):
        raise TargetRefused("must not be a loopback address")
    return parsed


async def resolve_allowed(host: str, port: int) -> list[str]:
    """Resolve a host and return its addresses; refuse it if any is not a public one."""
    literal = _literal_address(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as exc:
            raise TargetRefused("does not resolve") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise TargetRefused("does not resolve")
    # Every address, not just one: a name with one public and one internal address is refused.
    if not all(address_allowed(address) for address in addresses):
        raise TargetRefused("resolves to a loopback, private, link-local or reserved address")
    return [str(address) for address in addresses]


async def check_target(url: str, policy: TargetPolicy) -> None:
    """Check a target URL as a subscription is made: its form, and where it resolves now."""
    parsed = check_target_url(url, policy)
    if policy == "public_https":
        await resolve_allowed(parsed.host, parsed.port or 443)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to addresses `address_allowed` accepts, checked at connect."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve_allowed(host, port)
        except TargetRefused as exc:
            raise httpcore.ConnectError(f"target refused: {exc}") from exc
        # Connect to the address just checked, never to a second resolution of the name.
        return await self._inner.connect_tcp(
            addresses[0], port, timeout, local_address, socket_options
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("target refused: unix sockets are never webhook targets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on the guarded backend; proxies from the environment are ignored."""

    def __init__(self) -> None:
        super().__init__(trust_env=False)
        # httpx builds its connection pool without a way to name the network backend: build
        # the same pool again on ours (tests/kernel/test_webhook_targets.py checks it holds).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(),
        )


def delivery_client(policy: TargetPolicy) -> httpx.AsyncClient:
    """The HTTP client external deliveries go out on, guarded unless the policy is `any`."""
    transport = GuardedTransport() if policy == "public_https" else None
    return httpx.AsyncClient(
        transport=transport,
        headers={"user-agent": "fsm-webhooks"},
        follow_redirects=False,
        trust_env=False,
    )
