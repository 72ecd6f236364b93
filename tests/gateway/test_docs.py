"""The merged OpenAPI document and the offline docs page, served without a token."""

from __future__ import annotations

from intervention_api.app import create_app as create_intervention_app
from services.settings import KernelSettings
from supervision_api.app import create_app as create_supervision_app
from tests.gateway.conftest import SettingsFactory, open_gateway
from tests.gateway.upstreams import EchoUpstream
from tests.support.tcp_proxy import free_port
from workbook_api.app import create_app as create_workbook_app


async def test_merged_document_covers_gateway_and_backends(
    gateway_settings: SettingsFactory, kernel_settings: KernelSettings
) -> None:
    backends = {
        "workbook": create_workbook_app(kernel_settings),
        "supervision": create_supervision_app(kernel_settings),
        "intervention": create_intervention_app(kernel_settings),
    }
    async with open_gateway(gateway_settings(), backends) as (_, client):
        response = await client.get("/openapi.json")
        assert response.status_code == 200
        document = response.json()
        assert "x-unavailable-services" not in document["info"]
        assert {"/me", "/directory/teams", "/directory/practitioners/{practitioner_id}"} <= set(
            document["paths"]
        )
        assert "/healthz" not in document["paths"]
        workbook_paths = [p for p in document["paths"] if p.startswith("/workbook/")]
        assert len(workbook_paths) == len(
            [p for p in backends["workbook"].openapi()["paths"] if p not in ("/healthz", "/readyz")]
        )
        page = await client.get("/docs")
        assert page.status_code == 200
        assert "/docs/assets/swagger-ui-bundle.js" in page.text
        asset = await client.get("/docs/assets/swagger-ui-bundle.js")
        assert asset.status_code == 200


async def test_unreachable_backend_is_named_not_fatal(
    gateway_settings: SettingsFactory, echoes: dict[str, EchoUpstream]
) -> None:
    settings = gateway_settings(gateway_upstream_workbook=f"http://127.0.0.1:{free_port()}")
    upstreams = {"supervision": echoes["supervision"], "intervention": echoes["intervention"]}
    async with open_gateway(settings, upstreams) as (_, client):
        response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["x-unavailable-services"] == ["workbook"]
    assert "/me" in response.json()["paths"]
