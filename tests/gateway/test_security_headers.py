"""Security headers on everything the gateway sends: its own answers, proxied ones, the docs."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from services.security_headers import API_CSP, DOCS_CSP
from services.settings import KernelSettings
from tests.gateway.conftest import DirectoryFactory, Person, SettingsFactory, open_gateway
from tests.gateway.upstreams import EchoUpstream
from tests.workbook.factories import create_family, open_case
from workbook_api.app import create_app as create_workbook_app

Auth = Callable[[str], dict[str, str]]
WEB = "https://workbook.council.example"


def assert_api_headers(response: httpx.Response) -> None:
    assert response.headers.get_list("cache-control") == ["no-store"], response.headers
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert response.headers.get_list("referrer-policy") == ["no-referrer"]
    assert response.headers.get_list("x-frame-options") == ["DENY"]
    assert response.headers.get_list("content-security-policy") == [API_CSP]


@pytest.fixture
async def person(directory: DirectoryFactory) -> Person:
    return await directory.practitioner(teams=[await directory.team()])


async def test_case_data_and_me_are_never_stored_by_the_browser(
    gateway_settings: SettingsFactory,
    kernel_settings: KernelSettings,
    auth: Auth,
    directory: DirectoryFactory,
) -> None:
    team = await directory.team()
    manager = await directory.practitioner(
        roles=("practitioner", "team_manager"), discipline="team_manager", manages=[team]
    )
    workbook = create_workbook_app(kernel_settings)
    async with open_gateway(gateway_settings(), {"workbook": workbook}) as (app, client):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway.test/workbook"
        ) as through:
            headers = auth(manager.subject)
            family = await create_family(through, headers, team_id=team)
            case = await open_case(through, headers, family_id=family["id"], team_id=team)
            read = await through.get(f"/cases/{case['id']}", headers=headers)
            me = await client.get("/me", headers=headers)
    assert read.status_code == 200, read.text
    assert read.json()["id"] == case["id"]
    assert read.headers["etag"]
    assert_api_headers(read)
    assert me.status_code == 200
    assert me.json()["subject"] == manager.subject
    assert_api_headers(me)


async def test_refusals_from_every_layer_carry_the_headers(
    gateway: httpx.AsyncClient, auth: Auth, person: Person
) -> None:
    anonymous = await gateway.get("/workbook/cases")  # the gateway's ASGI layer
    forbidden = await gateway.get("/directory/teams", headers=auth(person.subject))  # FastAPI
    unknown = await gateway.get("/no-such-path", headers=auth(person.subject))
    assert (anonymous.status_code, forbidden.status_code, unknown.status_code) == (401, 403, 404)
    for response in (anonymous, forbidden, unknown):
        assert_api_headers(response)


async def test_a_backends_weaker_headers_are_replaced_and_its_others_kept(
    gateway: httpx.AsyncClient, auth: Auth, person: Person
) -> None:
    response = await gateway.get("/workbook/cacheable", headers=auth(person.subject))
    assert response.status_code == 200
    assert_api_headers(response)
    assert response.headers["x-kept"] == "yes"


async def test_docs_get_a_policy_swagger_ui_can_run_under(gateway: httpx.AsyncClient) -> None:
    page = await gateway.get("/docs")
    asset = await gateway.get("/docs/assets/swagger-ui.css")
    assert page.status_code == asset.status_code == 200
    for response in (page, asset):
        assert response.headers["content-security-policy"] == DOCS_CSP
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    # Static assets hold no data: cacheable, but revalidated so an upgrade shows at once.
    assert asset.headers["cache-control"] == "no-cache"
    assert asset.headers["etag"]


async def test_cors_preflights_and_internal_errors_carry_the_headers(
    gateway_settings: SettingsFactory,
    echoes: dict[str, EchoUpstream],
    auth: Auth,
    person: Person,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with open_gateway(gateway_settings(cors_allow_origins=(WEB,)), echoes) as (app, _):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            preflight = await client.options(
                "/workbook/cases", headers={"Origin": WEB, "Access-Control-Request-Method": "GET"}
            )

            async def broken(*args: object) -> None:
                raise RuntimeError("a bug")

            monkeypatch.setattr(app.state.gateway.proxy, "forward", broken)
            failed = await client.get("/workbook/cases", headers=auth(person.subject))
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == WEB
    assert failed.status_code == 500
    for response in (preflight, failed):
        assert_api_headers(response)
