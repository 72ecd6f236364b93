"""The merged OpenAPI document and the offline docs page, served without a token."""

from __future__ import annotations

import re

from gateway.docs import (
    DOCS_CONTENT_SECURITY_POLICY,
    bundled_swagger_ui_version,
    swagger_ui_reads,
)
from intervention_api.app import create_app as create_intervention_app
from pathway_api.app import create_app as create_pathway_app
from services.cli import openapi_documents
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
        "pathway": create_pathway_app(kernel_settings),
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


async def test_docs_page_loads_only_this_origins_files_and_no_inline_script(
    gateway_settings: SettingsFactory, echoes: dict[str, EchoUpstream]
) -> None:
    async with open_gateway(gateway_settings(), echoes) as (_, client):
        page = await client.get("/docs")
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page.text, flags=re.S)
        urls = re.findall(r'(?:src|href|data-openapi-url)="([^"]+)"', page.text)
        served = {url: await client.get(url) for url in urls}

    assert page.status_code == 200
    assert page.headers["content-security-policy"] == DOCS_CONTENT_SECURITY_POLICY
    directives = dict(
        part.strip().split(" ", 1) for part in DOCS_CONTENT_SECURITY_POLICY.split(";")
    )
    assert directives.get("script-src", directives["default-src"]) == "'self'"
    assert len(scripts) == 2
    assert all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert urls
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert {url: response.status_code for url, response in served.items()} == dict.fromkeys(
        urls, 200
    )
    assert "javascript" in served["/docs/static/docs-init.js"].headers["content-type"]
    assert served["/openapi.json"].json()["openapi"].startswith("3.1.")


def test_bundled_swagger_ui_reads_every_published_document() -> None:
    bundled = bundled_swagger_ui_version()

    for name, document in openapi_documents().items():
        assert swagger_ui_reads(bundled, document["openapi"]), (
            f"Swagger UI {bundled} cannot render {name}'s OpenAPI {document['openapi']}"
        )


def test_swagger_ui_4_is_known_not_to_read_openapi_3_1() -> None:
    # The release the gateway bundled before, which showed only "Unable to render this
    # definition" for FastAPI's documents.
    assert not swagger_ui_reads((4, 15, 5), "3.1.0")
    assert swagger_ui_reads((4, 15, 5), "3.0.3")
    assert not swagger_ui_reads((99, 0, 0), "4.0.0")  # unknown versions are never assumed


async def test_unreachable_backend_is_named_not_fatal(
    gateway_settings: SettingsFactory, echoes: dict[str, EchoUpstream]
) -> None:
    settings = gateway_settings(gateway_upstream_workbook=f"http://127.0.0.1:{free_port()}")
    upstreams = {name: echoes[name] for name in ("supervision", "intervention", "pathway")}
    async with open_gateway(settings, upstreams) as (_, client):
        response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["x-unavailable-services"] == ["workbook"]
    assert "/me" in response.json()["paths"]
