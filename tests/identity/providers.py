"""Entra ID- and Keycloak-shaped identity providers for tests: their own keys, a local JWKS.

Tokens carry the claims each provider really sends (Entra: `oid`, `tid`, a pairwise `sub`,
`ver`, app `roles` or `groups`; Keycloak: `sub`, `azp`, `realm_access.roles`), signed with
PyJWT so the gateway's verifier is tested against an independent implementation.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.gateway.idp import rsa_jwk

TENANT = "6f1e2d3c-4b5a-4978-8a9b-0c1d2e3f4a5b"
OTHER_TENANT = "0a0b0c0d-1111-4222-8333-444455556666"
CLIENT_ID = "3c9d8e7f-aaaa-4bbb-8ccc-ddddeeeeffff"
APP_ID_URI = "api://fsm-council"
KEYCLOAK_ISSUER = "https://keycloak.council.example/realms/social-care"
KEYCLOAK_JWKS = KEYCLOAK_ISSUER + "/protocol/openid-connect/certs"
KEYCLOAK_AUDIENCE = "fsm-api"


def entra_jwks_url(tenant: str) -> str:
    return f"https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys"


@dataclass
class Provider:
    """One signing key published at one JWKS URL."""

    jwks_url: str
    kid: str
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        repr=False,
    )

    def sign(self, claims: dict[str, Any]) -> str:
        return pyjwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})


class Providers:
    """Every provider a test trusts (or not), behind one in-process JWKS transport."""

    def __init__(self) -> None:
        self.entra = Provider(entra_jwks_url(TENANT), "entra-key-1")
        self.other_tenant = Provider(entra_jwks_url(OTHER_TENANT), "entra-other-1")
        self.keycloak = Provider(KEYCLOAK_JWKS, "kc-rs256")

    def transport(self) -> httpx.MockTransport:
        by_url = {p.jwks_url: p for p in (self.entra, self.other_tenant, self.keycloak)}

        def handle(request: httpx.Request) -> httpx.Response:
            provider = by_url.get(str(request.url))
            if provider is None:
                return httpx.Response(404)
            return httpx.Response(
                200, json={"keys": [rsa_jwk(provider.key.public_key(), provider.kid)]}
            )

        return httpx.MockTransport(handle)

    def entra_token(
        self,
        object_id: str | None,
        /,
        *,
        version: str = "v2",
        tenant: str = TENANT,
        signer: Provider | None = None,
        **overrides: Any,
    ) -> str:
        """An Entra access token for our API, as v1 or v2 tokens are shaped."""
        now = int(time.time())
        v2 = version == "v2"
        claims: dict[str, Any] = {
            "iss": (
                f"https://login.microsoftonline.com/{tenant}/v2.0"
                if v2
                else f"https://sts.windows.net/{tenant}/"
            ),
            # v2 tokens name the API by client id, v1 tokens by application id URI.
            "aud": CLIENT_ID if v2 else APP_ID_URI,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "oid": object_id,
            "tid": tenant,
            # Pairwise per application: useless to an administrator, never used by us.
            "sub": uuid.uuid4().hex,
            "ver": "2.0" if v2 else "1.0",
            "name": "Test Person",
            "preferred_username" if v2 else "upn": "test.person@council.example",
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return (signer or (self.entra if tenant == TENANT else self.other_tenant)).sign(claims)

    def keycloak_token(self, sub: str, **overrides: Any) -> str:
        """A Keycloak access token (realm roles under realm_access)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": KEYCLOAK_ISSUER,
            "aud": [KEYCLOAK_AUDIENCE, "account"],
            "azp": "fsm-web",
            "typ": "Bearer",
            "iat": now,
            "exp": now + 300,
            "sub": sub,
            "preferred_username": "test.person",
            "realm_access": {"roles": ["offline_access", "default-roles-social-care"]},
        }
        claims.update(overrides)
        return self.keycloak.sign({k: v for k, v in claims.items() if v is not None})


def entra_issuer(**overrides: Any) -> dict[str, Any]:
    """An FSM_AUTH_ISSUERS entry for the test tenant."""
    return {
        "kind": "entra",
        "tenant_id": TENANT,
        "audiences": [APP_ID_URI, CLIENT_ID],
        **overrides,
    }


def keycloak_issuer(**overrides: Any) -> dict[str, Any]:
    """An FSM_AUTH_ISSUERS entry for the test Keycloak realm."""
    return {
        "kind": "oidc",
        "issuer": KEYCLOAK_ISSUER,
        "jwks_url": KEYCLOAK_JWKS,
        "audiences": [KEYCLOAK_AUDIENCE],
        **overrides,
    }
