"""External token verification at the gateway, end to end over HTTP.

Every forged, stale or malformed token must get 401 problem+json with
`WWW-Authenticate: Bearer ... error="invalid_token"`, never a 5xx, and must never reach a
backend. Tokens are forged with PyJWT and by hand, independently of the gateway's python-jose.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.settings import DEV_ISSUER_DEFAULT
from services.dev_keys import DevKeys
from services.internal_token import InternalTokenIssuer
from services.principal import Principal
from tests.gateway.conftest import DirectoryFactory, Person, SettingsFactory, open_gateway
from tests.gateway.idp import ISSUER, JWKS_URL, TestIdP, b64url, hs256, rsa_jwk, unsigned
from tests.gateway.upstreams import EchoUpstream

_ATTACKER_EC = ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def idp() -> TestIdP:
    return TestIdP()


@pytest.fixture
async def person(directory: DirectoryFactory) -> Person:
    return await directory.practitioner()


@pytest.fixture
async def idp_gateway(
    gateway_settings: SettingsFactory, idp: TestIdP, echoes: dict[str, EchoUpstream]
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway trusting the test IdP (and, as in development, the dev issuer)."""
    settings = gateway_settings(
        auth_jwks_url=JWKS_URL, auth_issuer=ISSUER, auth_jwks_min_refresh_seconds=0
    )
    async with open_gateway(settings, echoes, jwks_transport=idp.transport()) as (_, client):
        yield client


def assert_invalid_token(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge
    body = response.json()
    assert body["status"] == 401
    assert body["type"].endswith("/invalid-token")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_valid_idp_token_is_accepted(
    idp_gateway: httpx.AsyncClient, idp: TestIdP, person: Person
) -> None:
    response = await idp_gateway.get("/me", headers=bearer(idp.token(person.subject)))
    assert response.status_code == 200, response.text
    assert response.json()["subject"] == person.subject


async def test_valid_dev_token_is_accepted(
    gateway: httpx.AsyncClient, dev_token: Callable[..., str], person: Person
) -> None:
    response = await gateway.get("/me", headers=bearer(dev_token(person.subject)))
    assert response.status_code == 200, response.text


def _attacks(idp: TestIdP, dev_keys: DevKeys, subject: str) -> dict[str, str]:
    """Every token attack class, each aimed at the IdP's or the dev issuer's trust."""
    now = int(time.time())
    claims = idp.claims(subject)
    head = {"kid": idp.kid, "typ": "JWT"}
    attacker_pem = _ATTACKER_EC.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    attacker_jwk = rsa_jwk(idp.attacker_key.public_key(), idp.kid)
    dev_claims = {**claims, "iss": DEV_ISSUER_DEFAULT}
    dev_kid = dev_keys.idp_kid
    dev_public_jwk = dev_keys.idp_jwks()["keys"][0]
    return {
        "alg_none": pyjwt.encode(claims, "", algorithm="none", headers={"kid": idp.kid}),
        "alg_none_capitalised": unsigned({**head, "alg": "None"}, claims),
        "alg_none_with_signature": unsigned({**head, "alg": "none"}, claims, b"sig"),
        "hs256_with_idp_public_key": hs256(head, claims, idp.public_pem),
        "hs256_with_dev_public_jwk": hs256(
            {"kid": dev_kid}, dev_claims, json.dumps(dev_public_jwk).encode()
        ),
        "disallowed_rs512": idp.token(subject, algorithm="RS512"),
        "disallowed_ps256": idp.token(subject, algorithm="PS256"),
        "es256_against_rsa_kid": pyjwt.encode(
            claims, attacker_pem, algorithm="ES256", headers={"kid": idp.kid}
        ),
        "attacker_key_same_kid": idp.token(subject, key=idp.attacker_key),
        "expired": idp.token(subject, iat=now - 7200, exp=now - 3600),
        "future_iat": idp.token(subject, iat=now + 3600, exp=now + 7200),
        "future_nbf": idp.token(subject, nbf=now + 3600),
        "missing_aud": idp.token(subject, aud=None),
        "wrong_aud": idp.token(subject, aud="some-other-api"),
        "missing_iss": idp.token(subject, iss=None),
        "wrong_iss": idp.token(subject, iss="https://evil.example/realms/fsm"),
        "missing_exp": idp.token(subject, exp=None),
        "missing_sub": pyjwt.encode(
            {k: v for k, v in claims.items() if k != "sub"}, idp.key, "RS256", {"kid": idp.kid}
        ),
        "empty_sub": idp.token(subject, sub=" "),
        "oversized": idp.token(subject, padding="x" * 9000),
        "jku_header": idp.token(
            subject, key=idp.attacker_key, headers={"jku": "https://evil.example/jwks.json"}
        ),
        "x5u_header": idp.token(
            subject, key=idp.attacker_key, headers={"x5u": "https://evil.example/cert.pem"}
        ),
        "embedded_jwk": idp.token(subject, key=idp.attacker_key, headers={"jwk": attacker_jwk}),
        "embedded_x5c": idp.token(subject, headers={"x5c": ["MIIB"]}),
        "crit_header": idp.token(subject, headers={"crit": ["exp"]}),
        "unknown_kid": idp.token(subject, headers={"kid": "rotated-away"}),
        "kid_path_traversal": idp.token(subject, headers={"kid": "../../../../dev/null"}),
        "dev_key_claiming_idp_issuer": pyjwt.encode(
            claims, dev_keys.idp_private_pem, algorithm="ES256", headers={"kid": dev_kid}
        ),
        "idp_key_claiming_dev_issuer": idp.token(subject, iss=DEV_ISSUER_DEFAULT),
        "tampered_claims": _tamper(idp.token(subject), sub="someone-else"),
        "garbage": "garbage",
        "three_garbage_segments": "a.b.c",
        "empty_segments": "..",
        "bad_base64": f"{b64url(b'{}')}.!!!.abc",
        "json_array_header": f"{b64url(b'[]')}.{b64url(b'{}')}.",
    }


def _tamper(token: str, **changes: Any) -> str:
    head, _, signature = token.split(".")
    payload = pyjwt.decode(token, options={"verify_signature": False})
    payload.update(changes)

    return f"{head}.{b64url(json.dumps(payload).encode())}.{signature}"


ATTACKS = [
    "alg_none",
    "alg_none_capitalised",
    "alg_none_with_signature",
    "hs256_with_idp_public_key",
    "hs256_with_dev_public_jwk",
    "disallowed_rs512",
    "disallowed_ps256",
    "es256_against_rsa_kid",
    "attacker_key_same_kid",
    "expired",
    "future_iat",
    "future_nbf",
    "missing_aud",
    "wrong_aud",
    "missing_iss",
    "wrong_iss",
    "missing_exp",
    "missing_sub",
    "empty_sub",
    "oversized",
    "jku_header",
    "x5u_header",
    "embedded_jwk",
    "embedded_x5c",
    "crit_header",
    "unknown_kid",
    "kid_path_traversal",
    "dev_key_claiming_idp_issuer",
    "idp_key_claiming_dev_issuer",
    "tampered_claims",
    "garbage",
    "three_garbage_segments",
    "empty_segments",
    "bad_base64",
    "json_array_header",
]


@pytest.mark.parametrize("attack", ATTACKS)
async def test_token_attack_is_refused(
    attack: str,
    idp_gateway: httpx.AsyncClient,
    idp: TestIdP,
    dev_keys: DevKeys,
    person: Person,
    echoes: dict[str, EchoUpstream],
) -> None:
    token = _attacks(idp, dev_keys, person.subject)[attack]
    for path in ("/me", "/workbook/cases"):
        response = await idp_gateway.get(path, headers=bearer(token))
        assert_invalid_token(response)
    assert echoes["workbook"].seen == []


def test_attack_list_is_complete(idp: TestIdP, dev_keys: DevKeys) -> None:
    assert sorted(ATTACKS) == sorted(_attacks(idp, dev_keys, "x"))


async def test_expired_token_says_so(
    gateway: httpx.AsyncClient, dev_token: Callable[..., str], person: Person
) -> None:
    token = dev_token(person.subject, now=time.time() - 7200, ttl_seconds=600)
    response = await gateway.get("/me", headers=bearer(token))
    assert_invalid_token(response)
    assert "expired" in response.json()["detail"]


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic dXNlcjpwYXNzd29yZA==",
        "Bearer",
        "Bearer ",
        "Token abc",
        "bearer\tabc",
    ],
)
async def test_malformed_authorization_header_is_refused(
    gateway: httpx.AsyncClient, authorization: str
) -> None:
    assert_invalid_token(await gateway.get("/me", headers={"Authorization": authorization}))


async def test_non_ascii_token_is_refused(gateway: httpx.AsyncClient) -> None:
    headers = [(b"authorization", b"Bearer \xff\xfe.\xfa.\xfb")]
    response = await gateway.get("/me", headers=httpx.Headers(headers))
    assert_invalid_token(response)


async def test_two_authorization_headers_are_refused(
    gateway: httpx.AsyncClient, dev_token: Callable[..., str], person: Person
) -> None:
    good = f"Bearer {dev_token(person.subject)}"
    headers = httpx.Headers([("Authorization", good), ("Authorization", "Bearer other")])
    assert_invalid_token(await gateway.get("/me", headers=headers))


async def test_missing_token_gets_a_challenge_without_error(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/workbook/cases")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == 'Bearer realm="fsm"'


async def test_internal_token_is_not_an_access_token(
    gateway: httpx.AsyncClient,
    dev_keys: DevKeys,
    make_principal: Callable[..., Principal],
    echoes: dict[str, EchoUpstream],
) -> None:
    # A leaked internal token (the backends' credential) must not open the front door.
    issuer = InternalTokenIssuer(dev_keys.internal_private_pem, dev_keys.internal_kid)
    forged = issuer.token_for(make_principal(roles=("administrator",)), "workbook")
    assert_invalid_token(await gateway.get("/workbook/cases", headers=bearer(forged)))
    assert echoes["workbook"].seen == []


async def test_unknown_subject_is_forbidden(
    gateway: httpx.AsyncClient, dev_token: Callable[..., str], echoes: dict[str, EchoUpstream]
) -> None:
    token = dev_token("nobody-in-the-directory")
    for path in ("/me", "/workbook/cases"):
        response = await gateway.get(path, headers=bearer(token))
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
    assert echoes["workbook"].seen == []


async def test_inactive_subject_is_forbidden(
    gateway: httpx.AsyncClient, dev_token: Callable[..., str], directory: DirectoryFactory
) -> None:
    person = await directory.practitioner(active=False)
    response = await gateway.get("/me", headers=bearer(dev_token(person.subject)))
    assert response.status_code == 403
    assert response.json()["type"].endswith("/not-an-active-practitioner")


async def test_jwks_unavailable_fails_closed_then_recovers(
    gateway_settings: SettingsFactory, idp: TestIdP, person: Person
) -> None:
    idp.available = False
    settings = gateway_settings(
        auth_jwks_url=JWKS_URL, auth_issuer=ISSUER, auth_jwks_min_refresh_seconds=0
    )
    async with open_gateway(settings, jwks_transport=idp.transport()) as (_, client):
        response = await client.get("/me", headers=bearer(idp.token(person.subject)))
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["retry-after"]) > 0
        idp.available = True
        response = await client.get("/me", headers=bearer(idp.token(person.subject)))
        assert response.status_code == 200, response.text


async def test_dev_tokens_are_refused_in_production(
    gateway_settings: SettingsFactory,
    idp: TestIdP,
    dev_keys: DevKeys,
    dev_token: Callable[..., str],
    person: Person,
    tmp_path: Any,
) -> None:
    key_file = tmp_path / "internal.pem"
    key_file.write_bytes(dev_keys.internal_private_pem)
    settings = gateway_settings(
        environment="production",
        auth_jwks_url=JWKS_URL,
        auth_issuer=ISSUER,
        internal_signing_key_file=key_file,
    )
    assert settings.dev_issuer_trusted is None
    async with open_gateway(settings, jwks_transport=idp.transport()) as (_, client):
        assert_invalid_token(await client.get("/me", headers=bearer(dev_token(person.subject))))
        response = await client.get("/me", headers=bearer(idp.token(person.subject)))
        assert response.status_code == 200, response.text
