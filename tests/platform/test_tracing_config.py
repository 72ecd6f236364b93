"""Tracing is configured from the standard OTEL_* variables: off by default, OTLP/HTTP when set."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from intervention_api.app import create_app
from services.settings import KernelSettings
from tests.support.tcp_proxy import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from gateway.app import create_app as gateway
from workbook_api.app import create_app as workbook
from services.settings import KernelSettings
from gateway.settings import GatewaySettings
apps = [gateway(GatewaySettings(environment="test")), workbook(KernelSettings(environment="test"))]
assert all(app.state.tracing is None for app in apps)
heavy = ("opentelemetry.sdk", "opentelemetry.instrumentation", "opentelemetry.exporter")
loaded = sorted(name for name in sys.modules if name.startswith(heavy))
print(",".join(loaded))
"""


def test_without_an_endpoint_nothing_of_the_sdk_is_imported(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    env["FSM_STATE_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


@asynccontextmanager
async def collector() -> AsyncIterator[tuple[str, list[ExportTraceServiceRequest]]]:
    """An OTLP/HTTP traces endpoint on loopback that keeps what it receives."""
    received: list[ExportTraceServiceRequest] = []

    async def traces(request: web.Request) -> web.Response:
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.read())
        received.append(message)
        return web.Response(body=b"", content_type="application/x-protobuf")

    app = web.Application()
    app.router.add_post("/v1/traces", traces)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", received
    finally:
        await runner.cleanup()


async def test_an_otlp_endpoint_turns_tracing_on_with_the_units_service_name(
    kernel_settings: KernelSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with collector() as (endpoint, received):
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
        monkeypatch.delenv("OTEL_SDK_DISABLED", raising=False)
        app = create_app(kernel_settings)
        assert app.state.tracing is not None
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                assert (await client.get("/openapi.json")).status_code == 200
                assert (await client.get("/healthz")).status_code == 200
        # Leaving the lifespan flushed the batch to the collector.
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.05)

    spans = [
        (resource.resource, span)
        for message in received
        for resource in message.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    names = {span.name for _, span in spans}
    assert "GET /openapi.json" in names
    assert not any("healthz" in name for name in names)  # probes are not traced
    services = {
        attribute.value.string_value
        for resource, _ in spans
        for attribute in resource.attributes
        if attribute.key == "service.name"
    }
    assert services == {"fsm-intervention"}


def test_the_sdk_can_be_switched_off_with_an_endpoint_set(
    kernel_settings: KernelSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert create_app(kernel_settings).state.tracing is None
