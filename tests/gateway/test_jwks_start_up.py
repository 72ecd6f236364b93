"""Gateway start-up while the identity provider is unreachable: not ready, then quick recovery.

The JWKS endpoint is a real HTTP server on a loopback port that first refuses connections
(nothing listens) and then serves; the gateway fetches it over its production httpx client.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from tests.gateway.conftest import DirectoryFactory, SettingsFactory, open_gateway
from tests.gateway.idp import ISSUER, TestIdP
from tests.support.tcp_proxy import free_port

RECOVERY_BUDGET_SECONDS = 3.0


@asynccontextmanager
async def jwks_server(idp: TestIdP, port: int) -> AsyncIterator[None]:
    """Serve the IdP's JWKS at http://127.0.0.1:<port>/certs until exit."""

    async def certs(request: web.Request) -> web.Response:
        idp.fetches += 1
        return web.json_response(idp.jwks)

    app = web.Application()
    app.router.add_get("/certs", certs)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield
    finally:
        await runner.cleanup()


async def test_gateway_started_without_the_idp_is_unready_then_verifies_within_3_s(
    gateway_settings: SettingsFactory, directory: DirectoryFactory
) -> None:
    idp = TestIdP()
    person = await directory.practitioner()
    port = free_port()
    settings = gateway_settings(auth_jwks_url=f"http://127.0.0.1:{port}/certs", auth_issuer=ISSUER)
    headers = {"Authorization": f"Bearer {idp.token(person.subject)}"}

    async with open_gateway(settings) as (_, client):
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert "signing key" in ready.json()["detail"]
        refused = await client.get("/me", headers=headers)
        assert refused.status_code == 503
        assert refused.json()["type"].endswith("/identity-provider-unavailable")
        # Down long enough that a fixed 30 s refresh interval would have locked retries out.
        await asyncio.sleep(1.5)

        async with jwks_server(idp, port):
            came_up = time.monotonic()
            while True:
                response = await client.get("/me", headers=headers)
                elapsed = time.monotonic() - came_up
                if response.status_code == 200 or elapsed > RECOVERY_BUDGET_SECONDS + 2:
                    break
                assert response.status_code == 503, response.text
                await asyncio.sleep(0.05)

            assert response.status_code == 200, response.text
            assert response.json()["subject"] == person.subject
            assert elapsed < RECOVERY_BUDGET_SECONDS, f"took {elapsed:.2f} s"
            assert (await client.get("/readyz")).status_code == 200
            assert idp.fetches >= 1


async def test_readiness_needs_no_traffic_to_recover(
    gateway_settings: SettingsFactory,
) -> None:
    """A pod that is not ready receives no requests: the gateway must fetch keys by itself."""
    idp = TestIdP()
    port = free_port()
    settings = gateway_settings(auth_jwks_url=f"http://127.0.0.1:{port}/certs", auth_issuer=ISSUER)
    async with open_gateway(settings) as (_, client):
        assert (await client.get("/readyz")).status_code == 503
        async with jwks_server(idp, port):
            for _ in range(60):
                if (await client.get("/readyz")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            assert (await client.get("/readyz")).status_code == 200
            assert idp.fetches == 1


async def test_gateway_without_an_idp_needs_no_key_to_be_ready(
    gateway_settings: SettingsFactory,
) -> None:
    async with open_gateway(gateway_settings()) as (_, client):
        response = await client.get("/readyz")
    assert response.status_code == 200, response.text
