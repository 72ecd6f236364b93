"""The identity provider's app roles or groups, mapped onto directory roles.

By default a mapping can only take away what the directory grants (an administrator removed
from the Entra app role is no administrator here from their next token); only `widen: true`
lets the provider grant a role the directory does not.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from tests.gateway.conftest import DirectoryFactory, SettingsFactory, open_gateway
from tests.identity.conftest import Identities
from tests.identity.providers import (
    KEYCLOAK_ISSUER,
    TENANT,
    Providers,
    entra_issuer,
    keycloak_issuer,
)

ENTRA = f"entra:{TENANT}"
ADMIN_ROLE = "FSM.DirectoryAdministrator"
ADMINS_GROUP = "b7d1c0de-0000-4000-8000-00000000a11a"


@asynccontextmanager
async def gateway_with(
    gateway_settings: SettingsFactory, providers: Providers, *issuers: dict[str, Any]
) -> AsyncIterator[httpx.AsyncClient]:
    settings = gateway_settings(auth_issuers=list(issuers))
    async with open_gateway(settings, jwks_transport=providers.transport()) as (_, client):
        yield client


async def entra_person(
    directory: DirectoryFactory, identities: Identities, roles: tuple[str, ...]
) -> str:
    person = await directory.practitioner(roles=roles, discipline="business_support")
    oid = str(uuid.uuid4())
    await identities.add(person.id, ENTRA, oid)
    return oid


def create_team(client: httpx.AsyncClient, token: str) -> Any:
    suffix = uuid.uuid4().hex[:10]
    return client.post(
        "/directory/teams",
        headers={"Authorization": f"Bearer {token}"},
        json={"name": f"Mapped {suffix}", "code": f"M-{suffix}"},
    )


async def me_roles(client: httpx.AsyncClient, token: str) -> list[str]:
    response = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    roles: list[str] = response.json()["roles"]
    return roles


async def test_app_roles_narrow_what_the_directory_grants(
    gateway_settings: SettingsFactory,
    providers: Providers,
    directory: DirectoryFactory,
    identities: Identities,
) -> None:
    mapping = {"claim": "roles", "map": {ADMIN_ROLE: ["administrator"]}}
    oid = await entra_person(directory, identities, ("administrator", "practitioner"))
    async with gateway_with(gateway_settings, providers, entra_issuer(roles=mapping)) as client:
        without = providers.entra_token(oid, roles=["FSM.Reader"])
        assert (await create_team(client, without)).status_code == 403
        # Roles the mapping does not govern still come from the directory.
        assert await me_roles(client, without) == ["practitioner"]
        granted = providers.entra_token(oid, roles=[ADMIN_ROLE])
        assert (await create_team(client, granted)).status_code == 201
        assert await me_roles(client, granted) == ["administrator", "practitioner"]


async def test_app_roles_never_widen_unless_configured_to(
    gateway_settings: SettingsFactory,
    providers: Providers,
    directory: DirectoryFactory,
    identities: Identities,
) -> None:
    oid = await entra_person(directory, identities, ("practitioner",))
    token: Callable[[], str] = lambda: providers.entra_token(oid, roles=[ADMIN_ROLE])  # noqa: E731
    narrow = {"map": {ADMIN_ROLE: ["administrator"]}}
    async with gateway_with(gateway_settings, providers, entra_issuer(roles=narrow)) as client:
        assert (await create_team(client, token())).status_code == 403
    widen = {**narrow, "widen": True}
    async with gateway_with(gateway_settings, providers, entra_issuer(roles=widen)) as client:
        assert (await create_team(client, token())).status_code == 201
        # Widening still needs an active practitioner: the directory says who may sign in.
        stranger = providers.entra_token(str(uuid.uuid4()), roles=[ADMIN_ROLE])
        assert (await create_team(client, stranger)).status_code == 403


async def test_groups_map_like_roles(
    gateway_settings: SettingsFactory,
    providers: Providers,
    directory: DirectoryFactory,
    identities: Identities,
) -> None:
    oid = await entra_person(directory, identities, ("administrator",))
    mapping = {"claim": "groups", "map": {ADMINS_GROUP: ["administrator"]}}
    async with gateway_with(gateway_settings, providers, entra_issuer(roles=mapping)) as client:
        member = providers.entra_token(oid, groups=[str(uuid.uuid4()), ADMINS_GROUP])
        assert (await create_team(client, member)).status_code == 201
        # Entra leaves `groups` out when a user has too many: nothing is granted then.
        overage = providers.entra_token(oid, _claim_names={"groups": "src1"})
        assert (await create_team(client, overage)).status_code == 403


async def test_keycloak_realm_roles_map_by_dotted_claim(
    gateway_settings: SettingsFactory,
    providers: Providers,
    directory: DirectoryFactory,
    identities: Identities,
) -> None:
    person = await directory.practitioner(roles=("administrator",), discipline="business_support")
    sub = str(uuid.uuid4())
    await identities.add(person.id, KEYCLOAK_ISSUER, sub)
    mapping = {"claim": "realm_access.roles", "map": {"fsm-admin": ["administrator"]}}
    async with gateway_with(gateway_settings, providers, keycloak_issuer(roles=mapping)) as client:
        plain = providers.keycloak_token(sub)
        assert (await create_team(client, plain)).status_code == 403
        admin = providers.keycloak_token(sub, realm_access={"roles": ["fsm-admin"]})
        assert (await create_team(client, admin)).status_code == 201
