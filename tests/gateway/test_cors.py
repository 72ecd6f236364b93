"""Browsers on configured origins may call the API; no other origin gets CORS headers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import ValidationError

from tests.gateway.conftest import DirectoryFactory, SettingsFactory, open_gateway
from tests.gateway.upstreams import EchoUpstream

Auth = Callable[[str], dict[str, str]]
WEB = "https://workbook.council.example"


async def test_preflight_is_answered_before_authentication_for_an_allowed_origin(
    gateway_settings: SettingsFactory, echoes: dict[str, EchoUpstream]
) -> None:
    settings = gateway_settings(cors_allow_origins=(WEB,))
    async with open_gateway(settings, echoes) as (_, client):
        allowed = await client.options(
            "/workbook/cases",
            headers={
                "Origin": WEB,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, idempotency-key, content-type",
            },
        )
        refused = await client.options(
            "/workbook/cases",
            headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
        )

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == WEB
    assert "idempotency-key" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers
    assert "access-control-allow-origin" not in refused.headers
    assert echoes["workbook"].seen == []  # preflights never reach a backend


async def test_responses_and_errors_carry_cors_headers_for_the_browser(
    gateway_settings: SettingsFactory,
    echoes: dict[str, EchoUpstream],
    auth: Auth,
    directory: DirectoryFactory,
) -> None:
    person = await directory.practitioner()
    settings = gateway_settings(cors_allow_origins=(WEB,))
    async with open_gateway(settings, echoes) as (_, client):
        proxied = await client.get(
            "/workbook/cases", headers={**auth(person.subject), "Origin": WEB}
        )
        own = await client.get("/me", headers={**auth(person.subject), "Origin": WEB})
        anonymous = await client.get("/workbook/cases", headers={"Origin": WEB})

    for response in (proxied, own, anonymous):
        assert response.headers["access-control-allow-origin"] == WEB
        assert "x-request-id" in response.headers["access-control-expose-headers"].lower()
    assert anonymous.status_code == 401


async def test_without_configured_origins_there_are_no_cors_headers(
    gateway_settings: SettingsFactory,
    echoes: dict[str, EchoUpstream],
    auth: Auth,
    directory: DirectoryFactory,
) -> None:
    person = await directory.practitioner()
    async with open_gateway(gateway_settings(), echoes) as (_, client):
        response = await client.get(
            "/workbook/cases", headers={**auth(person.subject), "Origin": WEB}
        )

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("origin", ["*", "https://a.example/path", "workbook.example"])
def test_only_exact_origins_are_accepted(gateway_settings: SettingsFactory, origin: str) -> None:
    with pytest.raises(ValidationError):
        gateway_settings(cors_allow_origins=(origin,))
