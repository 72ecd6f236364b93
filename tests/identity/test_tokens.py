"""Entra ID and Keycloak tokens at the gateway: who they name, and what is refused.

An Entra practitioner is named by `oid` in the pinned tenant, never by the pairwise `sub`;
v1 and v2 tokens are both understood, each with the audience it carries; a token from another
tenant is refused, whether its issuer or only its `tid` says so. Keycloak names people by
`sub`, either as identities of its own or as the directory's subjects.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from gateway.settings import GatewaySettings
from tests.gateway.conftest import DirectoryFactory, SettingsFactory, open_gateway
from tests.identity.conftest import Identities
from tests.identity.providers import (
    APP_ID_URI,
    CLIENT_ID,
    KEYCLOAK_ISSUER,
    OTHER_TENANT,
    TENANT,
    Providers,
    entra_issuer,
    keycloak_issuer,
)

ENTRA = f"entra:{TENANT}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def gateway(
    gateway_settings: SettingsFactory, providers: Providers
) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway trusting the Entra tenant (by oid) and the Keycloak realm (by sub)."""
    settings = gateway_settings(auth_issuers=[entra_issuer(), keycloak_issuer(name="keycloak")])
    async with open_gateway(settings, jwks_transport=providers.transport()) as (_, client):
        yield client


def assert_invalid_token(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


@pytest.mark.parametrize("version", ["v1", "v2"])
async def test_entra_tokens_name_the_practitioner_by_oid(
    gateway: httpx.AsyncClient,
    providers: Providers,
    directory: DirectoryFactory,
    identities: Identities,
    version: str,
) -> None:
    person = await directory.practitioner()
    oid = str(uuid.uuid4())
    await identities.add(person.id, ENTRA, oid)
    response = await gateway.get("/me", headers=bearer(providers.entra_token(oid, version=version)))
    assert response.status_code == 200, response.text
    assert response.json()["practitioner_id"] == str(person.id)
    # The practitioner keeps their directory subject; the oid is how Entra names them.
    assert response.json()["subject"] == person.subject


async def test_entra_sub_is_never_used_to_name_anyone(
    gateway: httpx.AsyncClient, providers: Providers, directory: DirectoryFactory
) -> None:
    person = await directory.practitioner()
    # A token whose pairwise sub happens to equal a directory subject names nobody.
    token = providers.entra_token(str(uuid.uuid4()), sub=person.subject)
    response = await gateway.get("/me", headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["type"].endswith("/not-an-active-practitioner")


async def test_a_token_from_another_tenant_is_refused(
    gateway: httpx.AsyncClient,
    providers: Providers,
    directory: DirectoryFactory,
    identities: Identities,
) -> None:
    person = await directory.practitioner()
    oid = str(uuid.uuid4())
    await identities.add(person.id, ENTRA, oid)
    # Another tenant's own token (its issuer, its keys): not an issuer we trust.
    other = providers.entra_token(oid, tenant=OTHER_TENANT)
    assert_invalid_token(await gateway.get("/me", headers=bearer(other)))
    # Our issuer and keys, but a foreign tid: the pinned tenant refuses it too.
    forged_tid = providers.entra_token(oid, tid=OTHER_TENANT)
    assert_invalid_token(await gateway.get("/me", headers=bearer(forged_tid)))
    # Our tenant's token signed by another tenant's key: the signature is refused.
    wrong_key = providers.entra_token(oid, signer=providers.other_tenant)
    assert_invalid_token(await gateway.get("/me", headers=bearer(wrong_key)))
    ours = providers.entra_token(oid)
    assert (await gateway.get("/me", headers=bearer(ours))).status_code == 200


@pytest.mark.parametrize(
    ("version", "audience"), [("v2", APP_ID_URI), ("v1", CLIENT_ID), ("v2", "api://other")]
)
async def test_entra_audiences_are_those_configured(
    gateway: httpx.AsyncClient,
    providers: Providers,
    directory: DirectoryFactory,
    identities: Identities,
    version: str,
    audience: str,
) -> None:
    person = await directory.practitioner()
    oid = str(uuid.uuid4())
    await identities.add(person.id, ENTRA, oid)
    # Either configured audience is accepted in either version...
    token = providers.entra_token(oid, version=version, aud=audience)
    status = (await gateway.get("/me", headers=bearer(token))).status_code
    assert status == (401 if audience == "api://other" else 200)
    # ...and a token for another application is not.
    other_app = providers.entra_token(oid, version=version, aud=str(uuid.uuid4()))
    assert_invalid_token(await gateway.get("/me", headers=bearer(other_app)))


@pytest.mark.parametrize("missing", ["oid", "tid"])
async def test_entra_tokens_without_oid_or_tid_are_refused(
    gateway: httpx.AsyncClient, providers: Providers, missing: str
) -> None:
    absent: dict[str, Any] = {missing: None}
    token = providers.entra_token(str(uuid.uuid4()), **absent)
    assert_invalid_token(await gateway.get("/me", headers=bearer(token)))


async def test_keycloak_tokens_name_the_practitioner_by_sub(
    gateway: httpx.AsyncClient,
    providers: Providers,
    directory: DirectoryFactory,
    identities: Identities,
) -> None:
    person = await directory.practitioner()
    sub = str(uuid.uuid4())
    await identities.add(person.id, "keycloak", sub)
    response = await gateway.get("/me", headers=bearer(providers.keycloak_token(sub)))
    assert response.status_code == 200, response.text
    assert response.json()["practitioner_id"] == str(person.id)
    # The same sub under Entra's namespace names nobody: identities are per issuer.
    entra = providers.entra_token(sub)
    assert (await gateway.get("/me", headers=bearer(entra))).status_code == 403
    expired = providers.keycloak_token(sub, exp=1_000_000, iat=999_000)
    assert_invalid_token(await gateway.get("/me", headers=bearer(expired)))


async def test_keycloak_can_match_directory_subjects(
    gateway_settings: SettingsFactory, providers: Providers, directory: DirectoryFactory
) -> None:
    person = await directory.practitioner()
    settings = gateway_settings(auth_issuers=[keycloak_issuer(lookup="subject")])
    async with open_gateway(settings, jwks_transport=providers.transport()) as (_, client):
        token = providers.keycloak_token(person.subject)
        response = await client.get("/me", headers=bearer(token))
        assert response.status_code == 200, response.text
        assert response.json()["practitioner_id"] == str(person.id)


def settings_error(gateway_settings: SettingsFactory, **values: Any) -> str:
    with pytest.raises(ValidationError) as raised:
        gateway_settings(**values)
    return str(raised.value)


@pytest.mark.parametrize("tenant", ["common", "organizations", TENANT.upper()])
def test_an_entra_issuer_pins_one_tenant(gateway_settings: SettingsFactory, tenant: str) -> None:
    assert "tenant" in settings_error(
        gateway_settings, auth_issuers=[entra_issuer(tenant_id=tenant)]
    )


def test_issuers_come_from_the_environment_as_json(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv(
        "FSM_AUTH_ISSUERS",
        json.dumps([entra_issuer(versions=["v2"]), keycloak_issuer()]),
    )
    settings = GatewaySettings(environment="test", state_dir=tmp_path)
    entra, keycloak = settings.auth_issuers
    assert entra.issuers == (f"https://login.microsoftonline.com/{TENANT}/v2.0",)
    assert entra.key == ENTRA
    assert keycloak.issuers == (KEYCLOAK_ISSUER,)
    assert keycloak.key == KEYCLOAK_ISSUER


def test_ambiguous_or_unsafe_issuer_lists_are_refused(gateway_settings: SettingsFactory) -> None:
    twice = settings_error(gateway_settings, auth_issuers=[keycloak_issuer(), keycloak_issuer()])
    assert "twice" in twice or "named" in twice
    two_subject_lookups = settings_error(
        gateway_settings,
        auth_issuers=[
            keycloak_issuer(lookup="subject"),
            entra_issuer(lookup="subject"),
        ],
    )
    assert "lookup" in two_subject_lookups
    plain_http = settings_error(
        gateway_settings,
        environment="production",
        auth_dev_issuer=None,
        internal_signing_key_file="/nonexistent",
        auth_issuers=[keycloak_issuer(jwks_url="http://keycloak.council.example/certs")],
    )
    assert "https" in plain_http
