"""The SCIM endpoints pass scim2-tester, the SCIM RFCs' compliance checker, over real HTTP.

The gateway serves on a free loopback port (uvicorn, as in production); the checker runs its
discovery, create, read, query, replace, patch and delete checks for Users and Groups with the
development provisioning credential, and every check must succeed.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from scim2_client import BaseSyncSCIMClient
from scim2_client.client import RawResponse
from scim2_tester import Status, check_server

from gateway.app import create_app
from services.dev_keys import DevKeys, dev_scim_credential
from tests.gateway.conftest import SettingsFactory


class HttpxScimClient(BaseSyncSCIMClient):
    """scim2-client over httpx (its own engine needs another HTTP library)."""

    def __init__(self, client: httpx.Client, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint: str) -> bool:
        url = self.client.build_request("GET", endpoint).url
        base = self.client.base_url
        return url.host == base.host and url.port == base.port and url.path.startswith(base.path)

    def _parse_json(self, response: RawResponse) -> Any:
        assert isinstance(response, httpx.Response)
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, url, **kwargs)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def served_gateway(gateway_settings: SettingsFactory) -> AsyncIterator[str]:
    """The gateway on a real socket; yields its SCIM base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(gateway_settings()), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the gateway did not start"
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/scim/v2"
    finally:
        server.should_exit = True
        await task


def run_checker(base_url: str, credential: str) -> list[Any]:
    headers = {"Authorization": f"Bearer {credential}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as http:
        client = HttpxScimClient(http)
        client.discover()
        return check_server(client)


@pytest.mark.slow
async def test_scim_endpoints_pass_the_compliance_checker(
    served_gateway: str, dev_keys: DevKeys
) -> None:
    results = await asyncio.to_thread(run_checker, served_gateway, dev_scim_credential(dev_keys))
    failures = [
        f"{r.title} [{r.resource_type}]: {r.status.name}: {r.reason}"
        for r in results
        if r.status not in (Status.SUCCESS, Status.SKIPPED)
    ]
    assert not failures, "\n".join(failures)
    checked = {r.title for r in results if r.status == Status.SUCCESS}
    assert len(checked) >= 15, checked
