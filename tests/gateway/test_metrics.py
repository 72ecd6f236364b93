"""The gateway's Prometheus metrics: on their own port, labelled by route template only."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.gateway.conftest import DirectoryFactory, SettingsFactory, open_gateway
from tests.gateway.idp import ISSUER, JWKS_URL, TestIdP
from tests.gateway.upstreams import EchoUpstream
from tests.support.metrics import scrape
from tests.support.tcp_proxy import free_port

DURATION_COUNT = "fsm_http_request_duration_seconds_count"


async def test_requests_are_counted_by_route_template_never_by_path_or_subject(
    gateway_settings: SettingsFactory,
    echoes: dict[str, EchoUpstream],
    directory: DirectoryFactory,
    auth: Callable[[str], dict[str, str]],
) -> None:
    person = await directory.practitioner(display_name="Metrics Tester")
    case_id = uuid.uuid4()
    port = free_port()
    async with open_gateway(gateway_settings(metrics_port=port), echoes) as (_, client):
        headers = auth(person.subject)
        for _ in range(3):
            proxied = await client.get(f"/workbook/cases/{case_id}?q=Brightwell", headers=headers)
            assert proxied.status_code == 200
        assert (await client.get("/me", headers=headers)).status_code == 200
        assert (await client.get(f"/nothing/{case_id}", headers=headers)).status_code == 404
        assert (await client.get("/me")).status_code == 401
        result = await scrape(port)

    assert result.value(DURATION_COUNT, method="GET", route="/workbook/{path}", status="200") == 3
    assert result.value(DURATION_COUNT, method="GET", route="/me", status="200") == 1
    assert result.value(DURATION_COUNT, method="GET", route="/me", status="401") is None
    assert result.value(DURATION_COUNT, method="GET", route="unmatched", status="401") == 1
    assert result.value(DURATION_COUNT, method="GET", route="unmatched", status="404") == 1
    for leak in (str(case_id), "Brightwell", person.subject, "Metrics Tester", "/nothing"):
        assert leak not in result.text
    assert result.value("fsm_unit_info", unit="gateway") == 1
    assert result.value("fsm_db_pool_max_connections") == 5 + 10
    assert result.value("fsm_db_pool_connections", state="in_use") is not None
    assert result.value("fsm_outbox_undispatched_events") is not None
    assert "process_cpu_seconds_total" in result.names()


async def test_metrics_are_not_on_the_gateways_public_routes(
    gateway_settings: SettingsFactory,
    directory: DirectoryFactory,
    auth: Callable[[str], dict[str, str]],
) -> None:
    person = await directory.practitioner()
    port = free_port()
    async with open_gateway(gateway_settings(metrics_port=port)) as (app, client):
        assert (await client.get("/metrics")).status_code == 401
        response = await client.get("/metrics", headers=auth(person.subject))
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "/metrics" not in app.openapi()["paths"]
        assert all(getattr(route, "path", "") != "/metrics" for route in app.router.routes)
        # ...while its own port serves them, and nothing else.
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as metrics_client:
            assert (await metrics_client.get("/metrics")).status_code == 200
            assert (await metrics_client.get("/me")).status_code == 404


async def test_two_gateways_in_one_process_keep_separate_counts(
    gateway_settings: SettingsFactory,
) -> None:
    first_port, second_port = free_port(), free_port()
    async with (
        open_gateway(gateway_settings(metrics_port=first_port)) as (_, first),
        open_gateway(gateway_settings(metrics_port=second_port)) as (_, second),
    ):
        for _ in range(2):
            await first.get("/healthz")
        await second.get("/healthz")
        first_scrape, second_scrape = await scrape(first_port), await scrape(second_port)
    labels = {"method": "GET", "route": "/healthz", "status": "200"}
    assert first_scrape.value(DURATION_COUNT, **labels) == 2
    assert second_scrape.value(DURATION_COUNT, **labels) == 1


async def test_rate_limit_refusals_are_counted_without_the_subject(
    gateway_settings: SettingsFactory,
    directory: DirectoryFactory,
    auth: Callable[[str], dict[str, str]],
) -> None:
    person = await directory.practitioner()
    port = free_port()
    settings = gateway_settings(
        metrics_port=port,
        rate_limit_enabled=True,
        rate_limit_burst=2,
        rate_limit_requests=1,
        rate_limit_window_seconds=3600,
    )
    async with open_gateway(settings) as (_, client):
        statuses = [
            (await client.get("/me", headers=auth(person.subject))).status_code for _ in range(5)
        ]
        result = await scrape(port)
    assert statuses == [200, 200, 429, 429, 429]
    assert result.value("fsm_gateway_rate_limited_total", limit="subject") == 3
    assert person.subject not in result.text


@pytest.mark.parametrize("available", [True, False])
async def test_jwks_keys_and_age_are_exposed(
    gateway_settings: SettingsFactory, available: bool
) -> None:
    idp = TestIdP(available=available)
    port = free_port()
    settings = gateway_settings(metrics_port=port, auth_jwks_url=JWKS_URL, auth_issuer=ISSUER)
    async with open_gateway(settings, jwks_transport=idp.transport()) as (_, client):
        await client.get("/healthz")
        result = await scrape(port)
    if available:
        assert result.value("fsm_jwks_keys") == 1
        age = result.value("fsm_jwks_age_seconds")
        assert age is not None
        assert 0 <= age < 60
        assert result.value("fsm_jwks_refresh_failures_total") == 0
    else:
        assert result.value("fsm_jwks_keys") == 0
        assert result.value("fsm_jwks_age_seconds") is None
        failures = result.value("fsm_jwks_refresh_failures_total")
        assert failures is not None
        assert failures >= 1


async def test_without_a_metrics_port_nothing_listens(gateway_settings: SettingsFactory) -> None:
    async with open_gateway(gateway_settings()) as (app, client):
        assert (await client.get("/healthz")).status_code == 200
        assert app.state.settings.metrics_port is None
        # The counts are still kept (cheaply) in the app's own registry.
        registry = app.state.metrics.registry
        labels = {"method": "GET", "route": "/healthz", "status": "200"}
        assert registry.get_sample_value(DURATION_COUNT, labels) == 1
