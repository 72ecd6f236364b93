"""Real provisioning credentials: one per identity provider, bound to its issuer, revocable.

An Entra client bound to the tenant's issuer sends objectId as externalId; the practitioner
it provisions then signs in with an Entra token naming that oid. A revoked credential, or a
development one in production, is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.scim.clients import create_client, list_clients, revoke_client
from services.dev_keys import DevKeys, dev_scim_credential
from tests.gateway.conftest import SettingsFactory, open_gateway
from tests.identity.providers import TENANT, Providers, entra_issuer

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture
def sessions(directory_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(directory_engine, expire_on_commit=False)


@pytest.fixture
async def gateway(
    gateway_settings: SettingsFactory, providers: Providers
) -> AsyncIterator[httpx.AsyncClient]:
    settings = gateway_settings(auth_issuers=[entra_issuer()])
    async with open_gateway(settings, jwks_transport=providers.transport()) as (_, client):
        yield client


async def test_an_entra_client_provisions_people_who_sign_in_by_oid(
    gateway: httpx.AsyncClient,
    providers: Providers,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    name = f"entra-{uuid.uuid4().hex[:8]}"
    async with sessions() as session, session.begin():
        secret = await create_client(session, name, f"entra:{TENANT}")
    scim = {"Authorization": f"Bearer {secret}", "Content-Type": "application/scim+json"}
    oid = str(uuid.uuid4())
    created = await gateway.post(
        "/scim/v2/Users",
        headers=scim,
        json={
            "schemas": [USER],
            "userName": f"sam.{oid[:8]}@council.example",
            "externalId": oid,
            "displayName": "Sam",
            "active": True,
        },
    )
    assert created.status_code == 201, created.text
    me = await gateway.get("/me", headers={"Authorization": f"Bearer {providers.entra_token(oid)}"})
    assert me.status_code == 200, me.text
    assert me.json()["practitioner_id"] == created.json()["id"]

    # Another client sees none of this client's users.
    async with sessions() as session, session.begin():
        other = await create_client(session, f"okta-{uuid.uuid4().hex[:8]}", None)
    foreign = await gateway.get(
        f"/scim/v2/Users/{created.json()['id']}", headers={"Authorization": f"Bearer {other}"}
    )
    assert foreign.status_code == 404

    async with sessions() as session, session.begin():
        assert await revoke_client(session, name)
        assert name in {client.name for client in await list_clients(session)}
    revoked = await gateway.get("/scim/v2/Users", headers=scim)
    assert revoked.status_code == 401


async def test_client_names_are_unique_and_development_is_reserved(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    name = f"entra-{uuid.uuid4().hex[:8]}"
    async with sessions() as session, session.begin():
        await create_client(session, name, None)
    for taken in (name, "development", "Not A Name"):
        async with sessions() as session, session.begin():
            with pytest.raises(ValueError, match="name"):
                await create_client(session, taken, None)


async def test_production_refuses_the_development_credential(
    gateway_settings: SettingsFactory, dev_keys: DevKeys
) -> None:
    settings = gateway_settings()
    async with open_gateway(settings) as (app, client):
        app.state.settings = settings.model_copy(update={"environment": "production"})
        headers = {"Authorization": f"Bearer {dev_scim_credential(dev_keys)}"}
        assert (await client.get("/scim/v2/Users", headers=headers)).status_code == 401
