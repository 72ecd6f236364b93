"""A backend that cannot be reached or breaks off: 502 with Retry-After, and whether to retry.

The gateway talks to real sockets here: a port nobody listens on, and a server that reads the
request and hangs up without answering.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from tests.gateway.conftest import DirectoryFactory, Person, SettingsFactory, open_gateway
from tests.support.tcp_proxy import free_port

Auth = Callable[[str], dict[str, str]]


@pytest.fixture
async def person(directory: DirectoryFactory) -> Person:
    team = await directory.team()
    return await directory.practitioner(teams=[team])


@pytest.fixture
async def hangs_up() -> AsyncIterator[str]:
    """A server that reads each request's head and closes the connection without a word."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.transport.abort()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_unreachable_backend_says_when_and_that_a_keyed_retry_is_safe(
    gateway_settings: SettingsFactory, auth: Auth, person: Person, method: str
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with open_gateway(gateway_settings(gateway_upstream_workbook=closed)) as (_, client):
        response = await client.request(
            method,
            "/workbook/cases",
            headers={**auth(person.subject), "Idempotency-Key": "k-1"},
            json={"status": "open"},
        )

    assert response.status_code == 502
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    problem = response.json()
    assert problem["type"].endswith("/upstream-unavailable")
    assert "same Idempotency-Key is safe" in problem["detail"]


async def test_unreachable_backend_on_a_read_says_when_to_retry(
    gateway_settings: SettingsFactory, auth: Auth, person: Person
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with open_gateway(gateway_settings(gateway_upstream_workbook=closed)) as (_, client):
        response = await client.get("/workbook/cases", headers=auth(person.subject))

    assert response.status_code == 502
    assert int(response.headers["retry-after"]) > 0
    # A read is safe to repeat anyway: no talk of keys.
    assert "Idempotency-Key" not in response.json()["detail"]


async def test_backend_hanging_up_on_a_post_is_502_with_a_safe_keyed_retry(
    gateway_settings: SettingsFactory, auth: Auth, person: Person, hangs_up: str
) -> None:
    async with open_gateway(gateway_settings(gateway_upstream_workbook=hangs_up)) as (_, client):
        response = await client.post(
            "/workbook/cases",
            headers={**auth(person.subject), "Idempotency-Key": "k-2"},
            json={"status": "open"},
        )

    assert response.status_code == 502
    assert int(response.headers["retry-after"]) > 0
    problem = response.json()
    assert problem["type"].endswith("/upstream-error")
    assert "same Idempotency-Key is safe" in problem["detail"]
