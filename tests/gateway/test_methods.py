"""OPTIONS, TRACE and CONNECT through the gateway: a correct Allow, and nothing echoed."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Receive, Scope, Send

from services.settings import KernelSettings
from tests.gateway.conftest import DirectoryFactory, Person, SettingsFactory, open_gateway
from workbook_api.app import create_app as create_workbook_app

Auth = Callable[[str], dict[str, str]]
PROBLEM = "application/problem+json"


class MethodRecorder:
    """Serve a real backend app and note which methods reached it."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.methods: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.methods.append(scope["method"])
        await self.app(scope, receive, send)


@pytest.fixture
async def person(directory: DirectoryFactory) -> Person:
    return await directory.practitioner(teams=[await directory.team()])


@pytest.fixture
async def admin(directory: DirectoryFactory) -> Person:
    return await directory.practitioner(roles=("administrator",), discipline="business_support")


async def test_backend_paths_answer_options_and_refuse_trace_with_the_backends_allow(
    gateway_settings: SettingsFactory,
    kernel_settings: KernelSettings,
    auth: Auth,
    person: Person,
) -> None:
    workbook = create_workbook_app(kernel_settings)
    recorder = MethodRecorder(workbook)
    family = f"/workbook/families/{uuid.uuid4()}"
    async with (
        workbook.router.lifespan_context(workbook),
        open_gateway(gateway_settings(), {"workbook": recorder}) as (_, client),
    ):
        headers = auth(person.subject)
        options = await client.options(family, headers=headers)
        deleted = await client.delete(family, headers=headers)
        traced = await client.request("TRACE", family, headers=headers, content=b"echo me")
        connected = await client.request("CONNECT", family, headers=headers)
        unknown = await client.request("TRACE", "/workbook/no-such-thing", headers=headers)
        anonymous = await client.options(family)

    assert options.status_code == 204
    assert options.headers["allow"] == "GET, PATCH, OPTIONS"
    for refused in (deleted, traced, connected):
        assert refused.status_code == 405
        assert refused.headers["content-type"] == PROBLEM
        assert refused.headers["allow"] == "GET, PATCH, OPTIONS"
        assert b"echo me" not in refused.content
    assert unknown.status_code == 404
    assert anonymous.status_code == 401
    # TRACE and CONNECT never left the gateway: the backend was only asked what it allows.
    assert "TRACE" not in recorder.methods
    assert "CONNECT" not in recorder.methods
    assert recorder.methods.count("OPTIONS") == 4


async def test_the_gateways_own_paths_answer_with_every_method_they_serve(
    gateway: httpx.AsyncClient, auth: Auth, admin: Person
) -> None:
    headers = auth(admin.subject)
    team = f"/directory/teams/{uuid.uuid4()}"
    options = await gateway.options(team, headers=headers)
    assert options.status_code == 204
    assert options.headers["allow"] == "GET, PATCH, OPTIONS"
    for method in ("DELETE", "PUT", "TRACE", "CONNECT"):
        refused = await gateway.request(method, team, headers=headers)
        assert refused.status_code == 405, method
        assert refused.headers["content-type"] == PROBLEM
        assert refused.headers["allow"] == "GET, PATCH, OPTIONS"
    me = await gateway.request("TRACE", "/me", headers=headers)
    assert me.status_code == 405
    assert me.headers["allow"] == "GET, OPTIONS"
    unknown = await gateway.options("/directory/nothing-here", headers=headers)
    assert unknown.status_code == 404


async def test_public_paths_answer_options_without_a_token(gateway: httpx.AsyncClient) -> None:
    expected = {
        "/healthz": "GET, OPTIONS",
        "/openapi.json": "GET, OPTIONS",
        "/docs": "GET, OPTIONS",
        "/docs/assets/swagger-ui.css": "GET, HEAD, OPTIONS",
    }
    for path, allow in expected.items():
        response = await gateway.options(path)
        assert response.status_code == 204, path
        assert response.headers["allow"] == allow, path
    posted = await gateway.post("/docs/assets/swagger-ui.css")
    assert posted.status_code == 405
    assert posted.headers["allow"] == "GET, HEAD, OPTIONS"


async def test_scim_paths_allow_only_what_they_serve_despite_the_catch_all(
    gateway: httpx.AsyncClient, auth: Auth, person: Person
) -> None:
    # SCIM answers unknown paths itself, in its own error format, with a route that takes
    # every method; that route must not make every SCIM path claim every method.
    headers = auth(person.subject)
    expected = {
        "/scim/v2/ServiceProviderConfig": "GET, OPTIONS",
        "/scim/v2/Users": "GET, POST, OPTIONS",
        f"/scim/v2/Users/{uuid.uuid4()}": "GET, PUT, PATCH, DELETE, OPTIONS",
    }
    for path, allow in expected.items():
        response = await gateway.options(path, headers=headers)
        assert response.status_code == 204, path
        assert response.headers["allow"] == allow, path
