"""The proxy: routing, what the backend receives, streaming, limits and upstream failures.

Assertions are on what the upstream actually received (a recording echo app served by a real
uvicorn server on 127.0.0.1), reached through the gateway's production aiohttp client.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from services.dev_keys import DevKeys
from services.internal_token import InternalTokenVerifier
from services.settings import KernelSettings
from tests.gateway.conftest import (
    BACKEND_NAMES,
    DirectoryFactory,
    Person,
    SettingsFactory,
    open_gateway,
)
from tests.gateway.upstreams import EchoUpstream
from tests.support.tcp_proxy import free_port
from workbook_api.app import create_app as create_workbook_app

Auth = Callable[[str], dict[str, str]]


@pytest.fixture
async def person(directory: DirectoryFactory) -> Person:
    team = await directory.team()
    return await directory.practitioner(discipline="da_victim_worker", teams=[team])


@pytest.mark.parametrize(
    ("path", "upstream", "upstream_path"),
    [
        ("/workbook/cases/1", "workbook", "/cases/1"),
        ("/workbook", "workbook", "/"),
        ("/supervision/meetings", "supervision", "/meetings"),
        ("/interventions/programmes/7/sessions", "intervention", "/programmes/7/sessions"),
    ],
)
async def test_routes_by_prefix_and_strips_it(
    gateway: httpx.AsyncClient,
    auth: Auth,
    person: Person,
    echoes: dict[str, EchoUpstream],
    path: str,
    upstream: str,
    upstream_path: str,
) -> None:
    response = await gateway.get(path, headers=auth(person.subject))
    assert response.status_code == 200, response.text
    assert response.json()["upstream"] == upstream
    (seen,) = echoes[upstream].seen
    assert seen.path == upstream_path
    others = [name for name in BACKEND_NAMES if name != upstream]
    assert all(echoes[name].seen == [] for name in others)


async def test_query_and_encoded_path_pass_unchanged(
    gateway: httpx.AsyncClient, auth: Auth, person: Person, echoes: dict[str, EchoUpstream]
) -> None:
    response = await gateway.get(
        "/workbook/files/a%2Fb%20c?q=x%20y&tag=1&tag=2", headers=auth(person.subject)
    )
    assert response.status_code == 200
    (seen,) = echoes["workbook"].seen
    assert seen.raw_path == b"/files/a%2Fb%20c"
    assert seen.query_string == b"q=x%20y&tag=1&tag=2"


@pytest.mark.parametrize(
    "path",
    ["/admin", "/workbookx/cases", "/work", "/%77orkbook/cases", "/directory/unknown", "/"],
)
async def test_unknown_routes_are_404_problems(
    gateway: httpx.AsyncClient, auth: Auth, person: Person, path: str
) -> None:
    response = await gateway.get(path, headers=auth(person.subject))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_identity_and_hop_by_hop_headers_never_reach_the_backend(
    gateway: httpx.AsyncClient,
    auth: Auth,
    person: Person,
    echoes: dict[str, EchoUpstream],
    dev_keys: DevKeys,
) -> None:
    headers = {
        **auth(person.subject),
        "X-Remote-User": "administrator",
        "Remote-User": "administrator",
        "X-FSM-Principal": '{"roles":["administrator"]}',
        "X-FSM-Roles": "administrator",
        "X-User": "admin",
        "X-Forwarded-User": "admin",
        "X-Forwarded-Email": "admin@council.example",
        "X-Authenticated-User": "admin",
        "X-Principal": "admin",
        "X-Forwarded-For": "10.0.0.1",
        "X-Forwarded-Host": "evil.example",
        "Forwarded": "for=10.0.0.1;by=evil",
        "X-Real-IP": "10.0.0.1",
        "Cookie": "idp_session=abc",
        "Connection": "x-secret-hop",
        "X-Secret-Hop": "private",
        "Proxy-Authorization": "Basic Zm9vOmJhcg==",
        "TE": "trailers",
        "X-Request-ID": "client-request-0001",
        "X-Ordinary": "kept",
        "Accept": "application/json",
    }
    response = await gateway.post(
        "/workbook/cases/search", headers=headers, json={"surname": "Example"}
    )
    assert response.status_code == 200, response.text
    (seen,) = echoes["workbook"].seen
    received = seen.header_names
    for name in (
        "x-remote-user",
        "remote-user",
        "x-fsm-principal",
        "x-fsm-roles",
        "x-user",
        "x-forwarded-user",
        "x-forwarded-email",
        "x-authenticated-user",
        "x-principal",
        "forwarded",
        "x-real-ip",
        "cookie",
        "x-secret-hop",
        "proxy-authorization",
        "te",
    ):
        assert name not in received, name
    assert seen.header("x-ordinary") == ["kept"]
    assert seen.header("accept") == ["application/json"]
    assert seen.header("x-forwarded-for") == [seen.header("x-forwarded-for")[0]]
    assert "10.0.0.1" not in seen.header("x-forwarded-for")[0]
    assert seen.header("x-forwarded-host") != ["evil.example"]
    assert seen.header("x-forwarded-prefix") == ["/workbook"]
    assert seen.header("x-request-id") == ["client-request-0001"]
    assert response.headers["x-request-id"] == "client-request-0001"
    assert seen.body == b'{"surname":"Example"}'

    # The one credential the backend gets is the gateway's internal token for this principal.
    (authorization,) = seen.header("authorization")
    scheme, _, token = authorization.partition(" ")
    assert scheme == "Bearer"
    assert token not in headers["Authorization"]
    principal = InternalTokenVerifier(dev_keys.internal_jwks(), "workbook").verify(token)
    assert principal.subject == person.subject
    assert principal.practitioner_id == person.id
    assert principal.discipline == "da_victim_worker"
    assert "administrator" not in principal.roles


async def test_forged_internal_authorization_does_not_reach_the_backend(
    gateway: httpx.AsyncClient,
    echoes: dict[str, EchoUpstream],
    internal_headers: Callable[..., dict[str, str]],
    make_principal: Callable[..., object],
) -> None:
    headers = internal_headers(make_principal(roles=("administrator",)), "workbook")
    response = await gateway.get("/workbook/cases", headers=headers)
    assert response.status_code == 401
    assert echoes["workbook"].seen == []


async def test_response_headers_are_cleaned_and_location_prefixed(
    gateway: httpx.AsyncClient, auth: Auth, person: Person
) -> None:
    response = await gateway.get("/workbook/hop", headers=auth(person.subject))
    assert response.status_code == 200
    assert response.headers["x-kept"] == "yes"
    for name in ("x-upstream-private", "keep-alive", "proxy-authenticate"):
        assert name not in response.headers, name
    assert response.headers["x-request-id"] != "upstream-made-this-up"
    created = await gateway.post("/workbook/created", headers=auth(person.subject))
    assert created.status_code == 201
    assert created.headers["location"] == "/workbook/cases/123"


async def test_streamed_response_arrives_whole(
    gateway: httpx.AsyncClient, auth: Auth, person: Person
) -> None:
    response = await gateway.get("/workbook/chunks", headers=auth(person.subject))
    assert response.status_code == 200
    assert response.content.startswith(b"chunk;chunk;chunk;{")


async def test_cookies_set_for_one_user_never_reach_another(
    gateway: httpx.AsyncClient,
    auth: Auth,
    directory: DirectoryFactory,
    echoes: dict[str, EchoUpstream],
) -> None:
    alice = await directory.practitioner()
    bob = await directory.practitioner()
    first = await gateway.get("/workbook/cookie", headers=auth(alice.subject))
    assert first.status_code == 200
    gateway.cookies.clear()  # the test client itself must not carry it over either
    second = await gateway.get("/workbook/cases", headers=auth(bob.subject))
    assert second.status_code == 200
    assert echoes["workbook"].seen[-1].header("cookie") == []


async def test_request_too_large_by_content_length(
    gateway_settings: SettingsFactory,
    auth: Auth,
    person: Person,
    echoes: dict[str, EchoUpstream],
) -> None:
    async with open_gateway(gateway_settings(max_request_body_bytes=2048), echoes) as (_, client):
        ok = await client.post("/workbook/notes", headers=auth(person.subject), content=b"a" * 2048)
        assert ok.status_code == 200
        assert ok.json()["body_bytes"] == 2048
        response = await client.post(
            "/workbook/notes", headers=auth(person.subject), content=b"a" * 2049
        )
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
    assert len(echoes["workbook"].seen) == 1


async def test_request_too_large_while_streaming(
    gateway_settings: SettingsFactory,
    auth: Auth,
    person: Person,
    echoes: dict[str, EchoUpstream],
) -> None:
    async def chunks(total: int) -> AsyncIterator[bytes]:
        for _ in range(total // 512):
            yield b"b" * 512

    settings = gateway_settings(max_request_body_bytes=4096)
    async with open_gateway(settings, echoes) as (_, client):
        # No Content-Length: the limit can only be enforced while the body streams through.
        ok = await client.post(
            "/workbook/notes", headers=auth(person.subject), content=chunks(2048)
        )
        assert ok.status_code == 200
        assert ok.json()["body_bytes"] == 2048
        response = await client.post(
            "/workbook/notes", headers=auth(person.subject), content=chunks(8192)
        )
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        # The upstream connection the aborted upload was on is not reused half-written.
        again = await client.post(
            "/workbook/notes", headers=auth(person.subject), content=chunks(1024)
        )
        assert again.status_code == 200
        assert again.json()["body_bytes"] == 1024


async def test_upstream_refusing_connections_is_502(
    gateway_settings: SettingsFactory, auth: Auth, person: Person
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    async with open_gateway(gateway_settings(gateway_upstream_workbook=closed)) as (_, client):
        response = await client.get("/workbook/cases", headers=auth(person.subject))
    assert response.status_code == 502
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/upstream-unavailable")


async def test_slow_upstream_is_504_with_per_route_timeouts(
    gateway_settings: SettingsFactory,
    auth: Auth,
    person: Person,
    echoes: dict[str, EchoUpstream],
) -> None:
    settings = gateway_settings(gateway_timeout_supervision_seconds=0.2)
    async with open_gateway(settings, echoes) as (_, client):
        started = asyncio.get_running_loop().time()
        response = await client.get("/supervision/slow/2", headers=auth(person.subject))
        elapsed = asyncio.get_running_loop().time() - started
        assert response.status_code == 504
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/upstream-timeout")
        assert elapsed < 1.5
        # Other routes keep their own, longer timeout...
        fine = await client.get("/workbook/slow/0.4", headers=auth(person.subject))
        assert fine.status_code == 200
        # ...and the timed-out route recovers on a fresh connection.
        again = await client.get("/supervision/cases", headers=auth(person.subject))
        assert again.status_code == 200


async def test_real_backend_accepts_the_gateway_and_refuses_direct_calls(
    gateway_settings: SettingsFactory,
    kernel_settings: KernelSettings,
    auth: Auth,
    person: Person,
) -> None:
    workbook = create_workbook_app(kernel_settings)
    async with open_gateway(gateway_settings(), {"workbook": workbook}) as (_, client):
        # Through the gateway the backend authenticates the call: 404 for a path it lacks,
        # not 401, even though the client also sent an identity header the backend refuses.
        through = await client.get(
            "/workbook/no-such-thing",
            headers={**auth(person.subject), "X-Remote-User": "administrator"},
        )
        assert through.status_code == 404, through.text
        assert through.headers["content-type"] == "application/problem+json"
        # The problem names the path the client called, not the backend's internal one.
        assert through.json()["instance"] == "/workbook/no-such-thing"

        # Straight to the backend, the same request (even with the access token) is refused.
        direct = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=workbook), base_url="http://workbook.test"
        )
        async with direct:
            for headers in (
                {},
                auth(person.subject),
                {"X-Remote-User": person.subject},
                {"X-FSM-Subject": person.subject},
            ):
                response = await direct.get("/no-such-thing", headers=headers)
                assert response.status_code == 401, headers
                assert response.headers["content-type"] == "application/problem+json"


async def test_refused_methods(gateway: httpx.AsyncClient, auth: Auth, person: Person) -> None:
    response = await gateway.request("TRACE", "/workbook/cases", headers=auth(person.subject))
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


async def test_invalid_content_length_is_400(
    gateway: httpx.AsyncClient, auth: Auth, person: Person, echoes: dict[str, EchoUpstream]
) -> None:
    headers = httpx.Headers({**auth(person.subject), "Content-Length": "12abc"})
    request = gateway.build_request("POST", "/workbook/notes", headers=headers)
    response = await gateway.send(request)
    assert response.status_code == 400
    assert echoes["workbook"].seen == []


async def test_proxied_paths_skip_fastapis_stack_but_keep_its_error_handling(
    gateway_settings: SettingsFactory,
    auth: Auth,
    person: Person,
    echoes: dict[str, EchoUpstream],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with open_gateway(gateway_settings(), echoes) as (app, client):
        fastapi_stack = app.middleware_stack

        async def refuse(scope: object, receive: object, send: object) -> None:
            raise AssertionError("a proxied request went through FastAPI's middleware stack")

        app.middleware_stack = refuse
        try:
            ok = await client.head("/workbook/cases", headers=auth(person.subject))
        finally:
            app.middleware_stack = fastapi_stack
        assert ok.status_code == 200
        assert ok.content == b""
        assert ok.headers["x-request-id"]
        assert echoes["workbook"].seen[-1].method == "HEAD"

        async def broken(*args: object) -> None:
            raise RuntimeError("a bug")

        monkeypatch.setattr(app.state.gateway.proxy, "forward", broken)
        with pytest.raises(RuntimeError):
            await client.get("/workbook/cases", headers=auth(person.subject))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as quiet:
            failed = await quiet.get("/workbook/cases", headers=auth(person.subject))
        assert failed.status_code == 500
        assert failed.headers["content-type"] == "application/problem+json"
