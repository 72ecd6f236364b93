"""Server-side request forgery: a delivery never reaches an address off the public internet,
whatever the target's name resolves to when the relay connects."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from services.webhooks.targets import (
    TargetRefused,
    address_allowed,
    check_target_url,
    delivery_client,
    resolve_allowed,
)
from tests.webhooks.receiver import Receiver


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.31.255.255", False),
        ("192.168.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("224.0.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd12:3456::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:93.184.215.14", True),
    ],
)
def test_only_public_unicast_addresses_are_targets(address: str, allowed: bool) -> None:
    assert address_allowed(ipaddress.ip_address(address)) is allowed


def test_the_public_policy_checks_the_url_itself() -> None:
    assert check_target_url("https://council.example/hooks", "public_https").host == (
        "council.example"
    )
    for url in ("http://council.example/hooks", "https://x:y@council.example/hooks"):
        with pytest.raises(TargetRefused):
            check_target_url(url, "public_https")
    assert check_target_url("http://127.0.0.1:9/hooks", "any").port == 9


async def test_a_name_resolving_to_loopback_is_refused() -> None:
    with pytest.raises(TargetRefused):
        await resolve_allowed("localhost", 443)


async def test_the_guarded_client_never_connects_to_loopback(receiver: Receiver) -> None:
    guarded = delivery_client("public_https")
    async with guarded:
        for url in (receiver.url, receiver.url.replace("127.0.0.1", "localhost")):
            with pytest.raises(httpx.ConnectError, match="target refused"):
                await guarded.post(url, content=b"{}")
    assert receiver.deliveries == []
    # The same request on the development policy's client does arrive: the guard refused it.
    async with delivery_client("any") as plain:
        answered = await plain.post(receiver.url, content=b"{}")
    assert answered.status_code == 204
    assert len(receiver.deliveries) == 1
