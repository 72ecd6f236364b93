"""Requests without a valid token are limited per client address, before any token parsing."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from gateway.client_address import client_address
from gateway.settings import GatewaySettings
from tests.gateway.conftest import DirectoryFactory, SettingsFactory, open_gateway
from tests.gateway.upstreams import EchoUpstream

Auth = Callable[[str], dict[str, str]]
BAD = {"Authorization": "Bearer x.y.z"}
PROXY = "203.0.113.9"  # the address open_gateway's client connects from


@asynccontextmanager
async def client_from(app: FastAPI, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests reach the gateway from `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 41000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


def limited(gateway_settings: SettingsFactory, **overrides: object) -> GatewaySettings:
    return gateway_settings(
        auth_failure_limit_requests=3,
        auth_failure_limit_window_seconds=60,
        auth_failure_limit_burst=3,
        **overrides,
    )


async def test_bad_tokens_from_one_address_get_429_and_others_are_not_held_up(
    gateway_settings: SettingsFactory, echoes: dict[str, EchoUpstream]
) -> None:
    async with open_gateway(limited(gateway_settings), echoes) as (app, client):
        first = [(await client.get("/workbook/cases", headers=BAD)).status_code for _ in range(3)]
        assert first == [401, 401, 401]
        for headers in (BAD, {}, {"Authorization": "Basic YTpi"}):
            response = await client.get("/workbook/cases", headers=headers)
            assert response.status_code == 429, headers
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["type"].endswith("/too-many-failed-authentications")
            assert int(response.headers["retry-after"]) >= 1
        async with client_from(app, "198.51.100.20") as elsewhere:
            assert (await elsewhere.get("/workbook/cases", headers=BAD)).status_code == 401
    assert echoes["workbook"].seen == []


async def test_good_tokens_in_use_are_not_slowed_by_a_flood_from_their_address(
    gateway_settings: SettingsFactory,
    echoes: dict[str, EchoUpstream],
    auth: Auth,
    directory: DirectoryFactory,
) -> None:
    signed_in, arriving = await directory.practitioner(), await directory.practitioner()
    async with open_gateway(limited(gateway_settings), echoes) as (app, client):
        session = auth(signed_in.subject)
        assert (await client.get("/me", headers=session)).status_code == 200
        for _ in range(5):
            await client.get("/me", headers=BAD)
        # A token the gateway has verified already costs no parsing: it goes straight through.
        assert (await client.get("/me", headers=session)).status_code == 200
        assert (await client.get("/workbook/cases", headers=session)).status_code == 200
        # A token not seen before would have to be parsed: from this address, it waits too...
        fresh = auth(arriving.subject)
        assert (await client.get("/me", headers=fresh)).status_code == 429
        # ...and from anywhere else it is welcome.
        async with client_from(app, "198.51.100.21") as elsewhere:
            assert (await elsewhere.get("/me", headers=fresh)).status_code == 200


async def test_forwarded_for_from_an_untrusted_peer_changes_nothing(
    gateway_settings: SettingsFactory, echoes: dict[str, EchoUpstream]
) -> None:
    async with open_gateway(limited(gateway_settings), echoes) as (_, client):
        statuses = [
            (
                await client.get(
                    "/workbook/cases", headers={**BAD, "X-Forwarded-For": f"192.0.2.{n}"}
                )
            ).status_code
            for n in range(6)
        ]
    assert statuses == [401, 401, 401, 429, 429, 429]


async def test_behind_a_trusted_proxy_the_client_is_what_the_proxy_appended(
    gateway_settings: SettingsFactory, echoes: dict[str, EchoUpstream]
) -> None:
    settings = limited(gateway_settings, gateway_trusted_proxies=(f"{PROXY}/32",))
    async with open_gateway(settings, echoes) as (_, client):
        # The left-most entry is the client's own invention; it changes every time.
        spoofed = [
            (
                await client.get(
                    "/workbook/cases",
                    headers={**BAD, "X-Forwarded-For": f"192.0.2.{n}, 198.51.100.30"},
                )
            ).status_code
            for n in range(5)
        ]
        assert spoofed == [401, 401, 401, 429, 429]
        other = await client.get(
            "/workbook/cases", headers={**BAD, "X-Forwarded-For": "198.51.100.31"}
        )
        assert other.status_code == 401


def scope(peer: str, *forwarded: str) -> dict[str, object]:
    return {
        "client": (peer, 5000),
        "headers": [(b"x-forwarded-for", value.encode()) for value in forwarded],
    }


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        # No trusted proxies: the socket peer, whatever the header says.
        ("192.0.2.1", ("10.9.9.9",), (), "192.0.2.1"),
        # One trusted hop: the entry it appended, not the client's left-most one.
        ("10.0.0.5", ("1.1.1.1, 192.0.2.7",), ("10.0.0.0/8",), "192.0.2.7"),
        # Two trusted hops (ingress behind a load balancer), across repeated headers.
        ("10.0.0.5", ("1.1.1.1, 192.0.2.8", "10.0.0.9"), ("10.0.0.0/8",), "192.0.2.8"),
        # A trusted proxy with nothing to say: the proxy itself.
        ("10.0.0.5", (), ("10.0.0.0/8",), "10.0.0.5"),
        # Garbage where an address should be: believe no further than the last good hop.
        ("10.0.0.5", ("192.0.2.9, unknown",), ("10.0.0.0/8",), "10.0.0.5"),
        # Ports and brackets, as some proxies write them.
        ("10.0.0.5", ("192.0.2.10:5123",), ("10.0.0.0/8",), "192.0.2.10"),
        ("10.0.0.5", ("[2001:db8:1:2::7]:443",), ("10.0.0.0/8",), "2001:db8:1:2::/64"),
        # IPv6 clients are one /64 each; IPv4-mapped addresses are IPv4.
        ("2001:db8:aa:bb:1:2:3:4", (), (), "2001:db8:aa:bb::/64"),
        ("::ffff:192.0.2.11", (), (), "192.0.2.11"),
    ],
)
def test_client_address(
    peer: str, forwarded: tuple[str, ...], trusted: tuple[str, ...], expected: str
) -> None:
    networks = [ipaddress.ip_network(network) for network in trusted]
    assert client_address(scope(peer, *forwarded), networks) == expected
