"""The identity provider's JWKS cache: single flight, rate-limited refresh, failing closed.

The identity provider is an in-process httpx MockTransport (and, once, a real aiohttp server on
127.0.0.1); the clock is injected, so no test waits for a TTL to pass.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import httpx
import jwt as pyjwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from jwt.api_jws import PyJWS

from gateway.jwks import (
    AccessTokenVerifier,
    JwksCache,
    KeySourceUnavailable,
    StaticKeySet,
    TrustedIssuer,
)
from services.dev_keys import ensure_dev_keys, mint_dev_access_token
from services.jose import TokenRejected, VerificationPolicy, key_set

URL = "https://login.council.example/realms/fsm/protocol/openid-connect/certs"
ISS = "https://login.council.example/realms/fsm"
DEV_ISS = "http://localhost:8000/dev-idp"
AUD = "fsm-api"
POLICY = VerificationPolicy(issuer=ISS, audience=AUD)

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
NEW_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk_of(public_key: Any, kid: str, **extra: Any) -> dict[str, Any]:
    if isinstance(public_key, rsa.RSAPublicKey):
        data = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    else:
        data = ECAlgorithm.to_jwk(public_key, as_dict=True)
    return {**data, "kid": kid, **extra}


JWKS = {"keys": [jwk_of(RSA_KEY.public_key(), "rsa-1"), jwk_of(EC_KEY.public_key(), "ec-1")]}
ROTATED = {"keys": [*JWKS["keys"], jwk_of(NEW_KEY.public_key(), "rsa-2")]}


class FakeIdP:
    """A JWKS endpoint whose answer and latency the test controls; it counts fetches."""

    def __init__(self, document: Any = JWKS) -> None:
        self.body: bytes = json.dumps(document).encode()
        self.status = 200
        self.headers: dict[str, str] = {"content-type": "application/json"}
        self.delay = 0.0
        self.error: Exception | None = None
        self.fetches = 0

    def publish(self, document: Any) -> None:
        self.body = json.dumps(document).encode()
        self.status = 200

    async def handler(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        assert str(request.url) == URL
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return httpx.Response(self.status, content=self.body, headers=self.headers)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_cache(idp: FakeIdP, clock: Callable[[], float], **options: Any) -> JwksCache:
    client = httpx.AsyncClient(transport=httpx.MockTransport(idp.handler))
    return JwksCache(client, URL, clock=clock, **options)


async def until(condition: Callable[[], bool]) -> None:
    """Let the event loop run until `condition` holds (at most about two seconds)."""
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition never held")


NOW = 1_700_000_100


def token(kid: str = "rsa-1", key: Any = RSA_KEY, alg: str = "RS256", **claims: Any) -> str:
    payload = {"iss": ISS, "aud": AUD, "sub": "sw-1", "iat": NOW - 100, "exp": NOW + 200, **claims}
    # PyJWS signs any bytes, so claims the JWT layer would refuse (iss=7) can be forged too.
    return PyJWS().encode(json.dumps(payload).encode(), key, algorithm=alg, headers={"kid": kid})


# --- cache and single flight --------------------------------------------------------------------


async def test_keys_are_served_from_cache() -> None:
    idp, clock = FakeIdP(), Clock()
    cache = make_cache(idp, clock)
    first = await cache.key_for("rsa-1")
    clock.now += 299
    assert await cache.key_for("rsa-1") is first
    assert (await cache.key_for("ec-1")).kty == "EC"
    assert idp.fetches == 1


async def test_cold_cache_fifty_concurrent_requests_fetch_once() -> None:
    idp, clock = FakeIdP(), Clock()
    idp.delay = 0.05
    cache = make_cache(idp, clock)
    keys = await asyncio.gather(*(cache.key_for("rsa-1") for _ in range(50)))
    assert idp.fetches == 1
    assert {key.kid for key in keys} == {"rsa-1"}


async def test_fifty_concurrent_requests_for_a_new_kid_refresh_once() -> None:
    idp, clock = FakeIdP(), Clock()
    cache = make_cache(idp, clock)
    await cache.key_for("rsa-1")
    idp.publish(ROTATED)
    idp.delay = 0.05
    clock.now += 31
    keys = await asyncio.gather(*(cache.key_for("rsa-2") for _ in range(50)))
    assert idp.fetches == 2
    assert {key.kid for key in keys} == {"rsa-2"}


async def test_unknown_kid_refreshes_once_then_is_rejected() -> None:
    idp, clock = FakeIdP(), Clock()
    cache = make_cache(idp, clock)
    await cache.key_for("rsa-1")
    clock.now += 31
    idp.delay = 0.05
    results = await asyncio.gather(
        *(cache.key_for("attacker-kid") for _ in range(50)), return_exceptions=True
    )
    assert idp.fetches == 2
    assert all(isinstance(r, TokenRejected) and r.reason == "unknown_kid" for r in results)
    with pytest.raises(TokenRejected, match="unknown_kid"):
        await cache.key_for("attacker-kid")
    assert idp.fetches == 2


async def test_forced_refreshes_respect_the_minimum_interval() -> None:
    idp, clock = FakeIdP(), Clock()
    cache = make_cache(idp, clock, min_refresh_interval_seconds=30)
    await cache.key_for("rsa-1")
    # A spray of random kids inside the interval costs the identity provider nothing.
    for _ in range(200):
        clock.now += 0.1
        with pytest.raises(TokenRejected, match="unknown_kid"):
            await cache.key_for(uuid.uuid4().hex)
    assert idp.fetches == 1
    clock.now = 1000.0 + 30
    with pytest.raises(TokenRejected, match="unknown_kid"):
        await cache.key_for(uuid.uuid4().hex)
    assert idp.fetches == 2
    clock.now += 29.9
    with pytest.raises(TokenRejected, match="unknown_kid"):
        await cache.key_for(uuid.uuid4().hex)
    assert idp.fetches == 2


async def test_rotated_key_is_picked_up_on_first_use() -> None:
    idp, clock = FakeIdP(), Clock()
    cache = make_cache(idp, clock)
    await cache.key_for("rsa-1")
    idp.publish(ROTATED)
    clock.now += 60
    assert (await cache.key_for("rsa-2")).kid == "rsa-2"
    assert idp.fetches == 2


async def test_expired_cache_answers_at_once_and_revalidates_in_background() -> None:
    idp, clock = FakeIdP(), Clock()
    cache = make_cache(idp, clock, ttl_seconds=300)
    await cache.key_for("rsa-1")
    idp.publish({"keys": [jwk_of(NEW_KEY.public_key(), "rsa-2")]})
    idp.delay = 0.05
    clock.now += 301
    assert (await cache.key_for("rsa-1")).kid == "rsa-1"
    await until(lambda: idp.fetches == 2)
    await until(lambda: cache.has_keys and not cache.refreshing)
    # After revalidation the withdrawn key is gone.
    clock.now += 31
    with pytest.raises(TokenRejected, match="unknown_kid"):
        await cache.key_for("rsa-1")


async def test_a_cancelled_caller_does_not_cancel_the_shared_fetch() -> None:
    idp, clock = FakeIdP(), Clock()
    idp.delay = 0.05
    cache = make_cache(idp, clock)
    tasks = [asyncio.create_task(cache.key_for("rsa-1")) for _ in range(10)]
    await asyncio.sleep(0.01)
    tasks[0].cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    assert all(getattr(r, "kid", None) == "rsa-1" for r in results[1:])
    assert idp.fetches == 1


# --- failing closed and stale-while-error -------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("connection refused"),
        httpx.ReadTimeout("read timed out"),
        httpx.RemoteProtocolError("server hung up"),
    ],
)
async def test_identity_provider_down_with_empty_cache_fails_closed(failure: Exception) -> None:
    idp, clock = FakeIdP(), Clock()
    idp.error = failure
    cache = make_cache(idp, clock)
    with pytest.raises(KeySourceUnavailable):
        await cache.key_for("rsa-1")
    verifier = AccessTokenVerifier([TrustedIssuer(POLICY, cache)])
    clock.now += 31
    with pytest.raises(KeySourceUnavailable):
        await verifier.verify(token(), now=NOW)


async def test_hung_identity_provider_fails_closed_within_the_fetch_timeout() -> None:
    idp, clock = FakeIdP(), Clock()
    idp.delay = 10.0
    cache = make_cache(idp, clock, fetch_timeout_seconds=0.05)
    async with asyncio.timeout(2):
        with pytest.raises(KeySourceUnavailable):
            await cache.key_for("rsa-1")


async def test_failed_fetches_with_empty_cache_are_rate_limited_and_retried() -> None:
    idp, clock = FakeIdP(), Clock()
    idp.status = 503
    cache = make_cache(idp, clock)
    for _ in range(20):
        with pytest.raises(KeySourceUnavailable):
            await cache.key_for("rsa-1")
    assert idp.fetches == 1
    idp.publish(JWKS)
    clock.now += 30
    assert (await cache.key_for("rsa-1")).kid == "rsa-1"
    assert idp.fetches == 2


async def test_with_no_key_held_retries_back_off_exponentially_up_to_the_cap() -> None:
    idp, clock = FakeIdP(), Clock()
    idp.status = 503
    # uniform() == 1: every delay is its full step (0.1, 0.2, 0.4, ... capped at 1.0).
    cache = make_cache(
        idp, clock, retry_initial_seconds=0.1, retry_max_seconds=1.0, uniform=lambda: 1.0
    )
    for step in (0.1, 0.2, 0.4, 0.8, 1.0, 1.0):
        fetches = idp.fetches
        with pytest.raises(KeySourceUnavailable):
            await cache.key_for("rsa-1")
        assert idp.fetches == fetches + 1
        clock.now += step - 0.01
        with pytest.raises(KeySourceUnavailable):
            await cache.key_for("rsa-1")
        assert idp.fetches == fetches + 1  # still inside the backoff: no new attempt
        clock.now += 0.01
    # Far below the 30 s refresh interval: the provider coming back is noticed at once.
    idp.publish(JWKS)
    assert (await cache.key_for("rsa-1")).kid == "rsa-1"


async def test_once_keys_are_held_the_refresh_interval_applies_again() -> None:
    idp, clock = FakeIdP(), Clock()
    idp.status = 503
    cache = make_cache(idp, clock, retry_initial_seconds=0.1, uniform=lambda: 1.0)
    with pytest.raises(KeySourceUnavailable):
        await cache.key_for("rsa-1")
    clock.now += 0.1
    idp.publish(JWKS)
    await cache.key_for("rsa-1")
    assert idp.fetches == 2
    for _ in range(10):
        clock.now += 1
        with pytest.raises(TokenRejected, match="unknown_kid"):
            await cache.key_for(uuid.uuid4().hex)
    assert idp.fetches == 2


async def test_background_retry_runs_until_keys_are_held() -> None:
    idp = FakeIdP()
    idp.status = 503
    cache = make_cache(idp, time.monotonic, retry_initial_seconds=0.01, retry_max_seconds=0.05)
    assert not await cache.warm_up()
    task = asyncio.create_task(cache.retry_until_keys())
    await until(lambda: idp.fetches >= 3)
    assert not task.done()
    idp.publish(JWKS)
    await asyncio.wait_for(task, timeout=2)
    assert cache.has_keys
    assert cache.refresh_failures == idp.fetches - 1
    age = cache.age_seconds
    assert age is not None
    assert 0 <= age < 2


async def test_retry_delays_must_be_sane() -> None:
    client = httpx.AsyncClient()
    with pytest.raises(ValueError, match="retry"):
        JwksCache(client, URL, retry_initial_seconds=1.0, retry_max_seconds=0.5)
    with pytest.raises(ValueError, match="retry"):
        JwksCache(client, URL, retry_initial_seconds=0)
    await client.aclose()


async def test_identity_provider_down_with_warm_cache_still_verifies() -> None:
    idp, clock = FakeIdP(), Clock()
    cache = make_cache(idp, clock)
    verifier = AccessTokenVerifier([TrustedIssuer(POLICY, cache)])
    assert (await verifier.verify(token(), now=NOW))["sub"] == "sw-1"
    idp.error = httpx.ConnectError("down")
    clock.now += 3600
    assert (await verifier.verify(token(), now=NOW))["sub"] == "sw-1"
    es = token("ec-1", EC_KEY, "ES256")
    assert (await verifier.verify(es, now=NOW))["sub"] == "sw-1"
    await until(lambda: not cache.refreshing)
    assert idp.fetches == 2
    # An unknown kid is still an invalid token, not an outage.
    clock.now += 31
    with pytest.raises(TokenRejected, match="unknown_kid"):
        await verifier.verify(token("rsa-9"), now=NOW)


async def test_stale_keys_are_not_used_forever() -> None:
    idp, clock = FakeIdP(), Clock()
    cache = make_cache(idp, clock, max_stale_seconds=3600)
    await cache.key_for("rsa-1")
    idp.error = httpx.ConnectError("down")
    clock.now += 300 + 3600
    with pytest.raises(KeySourceUnavailable):
        await cache.key_for("rsa-1")


def jwks_bytes(document: Any) -> bytes:
    return json.dumps(document).encode()


MALFORMED: list[tuple[int, bytes]] = [
    (200, b"not json"),
    (200, b"<html><body>Sign in</body></html>"),
    (200, b""),
    (200, b"null"),
    (200, b"[]"),
    (200, jwks_bytes({"keys": "rsa-1"})),
    (200, jwks_bytes({"keys": []})),
    (200, jwks_bytes({"jwks": JWKS["keys"]})),
    (200, jwks_bytes({"keys": [{"kty": "oct", "kid": "rsa-1", "k": "c2VjcmV0" * 8}]})),
    (200, jwks_bytes({"keys": [{**JWKS["keys"][0], "n": "AQAB"}]})),
    (200, jwks_bytes({"keys": [{**JWKS["keys"][0], "use": "enc"}]})),
    (200, jwks_bytes({"keys": [{**JWKS["keys"][0], "alg": "RSA-OAEP"}]})),
    (200, jwks_bytes({"keys": [{**JWKS["keys"][0], "kty": "RSA-HSM"}]})),
    (200, jwks_bytes({**JWKS, "padding": "x" * 300_000})),
    (200, b'{"keys": [' + b"[" * 100_000),
    (404, jwks_bytes(JWKS)),
    (500, jwks_bytes(JWKS)),
]


@pytest.mark.parametrize(("status", "body"), MALFORMED)
async def test_malformed_jwks_fails_closed(status: int, body: bytes) -> None:
    idp, clock = FakeIdP(), Clock()
    idp.status, idp.body = status, body
    cache = make_cache(idp, clock)
    with pytest.raises(KeySourceUnavailable):
        await cache.key_for("rsa-1")
    assert not cache.has_keys


@pytest.mark.parametrize(("status", "body"), MALFORMED)
async def test_malformed_jwks_does_not_replace_good_keys(status: int, body: bytes) -> None:
    idp, clock = FakeIdP(), Clock()
    cache = make_cache(idp, clock)
    await cache.key_for("rsa-1")
    idp.status, idp.body = status, body
    clock.now += 301
    assert (await cache.key_for("rsa-1")).kid == "rsa-1"
    await until(lambda: idp.fetches == 2 and not cache.refreshing)
    assert (await cache.key_for("ec-1")).kid == "ec-1"


async def test_redirects_are_not_followed() -> None:
    idp, clock = FakeIdP(), Clock()
    idp.status = 302
    idp.headers = {"location": "https://attacker.example/jwks.json"}
    cache = make_cache(idp, clock)
    with pytest.raises(KeySourceUnavailable):
        await cache.key_for("rsa-1")
    assert idp.fetches == 1


async def test_unusable_keys_are_skipped_and_usable_ones_kept() -> None:
    secret = b"k" * 32
    oct_key = {
        "kty": "oct",
        "kid": "shared",
        "alg": "HS256",
        "k": base64.urlsafe_b64encode(secret).rstrip(b"=").decode(),
    }
    document = {
        "keys": [
            JWKS["keys"][0],
            oct_key,
            {**jwk_of(EC_KEY.public_key(), "enc-1"), "use": "enc"},
            {**jwk_of(NEW_KEY.public_key(), "ps-1"), "alg": "PS256"},
            {
                "kty": "OKP",
                "kid": "ed-1",
                "crv": "Ed25519",
                "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            },
            {"kid": "broken"},
        ]
    }
    idp, clock = FakeIdP(document), Clock()
    cache = make_cache(idp, clock)
    assert (await cache.key_for("rsa-1")).kid == "rsa-1"
    for kid in ("shared", "enc-1", "ps-1", "ed-1", "broken"):
        clock.now += 31
        with pytest.raises(TokenRejected, match="unknown_kid"):
            await cache.key_for(kid)
    # The oct key never becomes an HMAC key, even for a policy that (wrongly) allows HS256.
    lax = VerificationPolicy(issuer=ISS, audience=AUD, algorithms=("RS256", "HS256"))
    forged = pyjwt.encode(
        {"iss": ISS, "aud": AUD, "sub": "x", "iat": NOW, "exp": NOW + 60},
        secret,
        algorithm="HS256",
        headers={"kid": "shared"},
    )
    clock.now += 31
    with pytest.raises(TokenRejected, match="unknown_kid"):
        await AccessTokenVerifier([TrustedIssuer(lax, cache)]).verify(forged, now=NOW)


# --- issuers and the static development key set --------------------------------------------------


async def test_static_key_set_serves_the_development_issuer(tmp_path: Path) -> None:
    dev = ensure_dev_keys(tmp_path)
    static = StaticKeySet.from_jwks(dev.idp_jwks())
    assert (await static.key_for(dev.idp_kid)).kid == dev.idp_kid
    with pytest.raises(TokenRejected, match="unknown_kid"):
        await static.key_for("rsa-1")
    minted = mint_dev_access_token(dev, subject="dev|alice", issuer=DEV_ISS, audience=AUD)
    dev_policy = VerificationPolicy(issuer=DEV_ISS, audience=AUD)
    verifier = AccessTokenVerifier([TrustedIssuer(dev_policy, static)])
    assert (await verifier.verify(minted))["sub"] == "dev|alice"


async def test_issuer_selects_rules_and_keys(tmp_path: Path) -> None:
    dev = ensure_dev_keys(tmp_path)
    idp, clock = FakeIdP(), Clock()
    verifier = AccessTokenVerifier(
        [
            TrustedIssuer(POLICY, make_cache(idp, clock)),
            TrustedIssuer(
                VerificationPolicy(issuer=DEV_ISS, audience=AUD),
                StaticKeySet.from_jwks(dev.idp_jwks()),
            ),
        ]
    )
    minted = mint_dev_access_token(
        dev, subject="dev|alice", issuer=DEV_ISS, audience=AUD, now=NOW - 5
    )
    assert (await verifier.verify(minted, now=NOW))["iss"] == DEV_ISS
    assert idp.fetches == 0
    assert (await verifier.verify(token(), now=NOW))["iss"] == ISS
    # A council key cannot vouch for the development issuer, nor the reverse.
    with pytest.raises(TokenRejected, match="unknown_kid"):
        await verifier.verify(token(iss=DEV_ISS), now=NOW)
    forged = mint_dev_access_token(dev, subject="x", issuer=ISS, audience=AUD, now=NOW - 5)
    clock.now += 31
    with pytest.raises(TokenRejected, match="unknown_kid"):
        await verifier.verify(forged, now=NOW)


async def test_unknown_issuer_never_reaches_the_identity_provider() -> None:
    idp, clock = FakeIdP(), Clock()
    verifier = AccessTokenVerifier([TrustedIssuer(POLICY, make_cache(idp, clock))])
    for issuer in ("https://evil.example", None, 7):
        with pytest.raises(TokenRejected, match="bad_issuer"):
            await verifier.verify(token(uuid.uuid4().hex, iss=issuer), now=NOW)
    with pytest.raises(TokenRejected, match="too_large"):
        await verifier.verify(token(pad="x" * 10_000), now=NOW)
    assert idp.fetches == 0


async def test_header_rules_apply_before_any_key_is_fetched() -> None:
    idp, clock = FakeIdP(), Clock()
    verifier = AccessTokenVerifier([TrustedIssuer(POLICY, make_cache(idp, clock))])
    for forged in (
        token("rsa-1", RSA_KEY, "RS512"),
        pyjwt.encode({"iss": ISS}, cast(Any, None), algorithm="none", headers={"kid": "rsa-1"}),
        pyjwt.encode({"iss": ISS}, RSA_KEY, algorithm="RS256", headers={"jku": "https://x"}),
        pyjwt.encode({"iss": ISS}, RSA_KEY, algorithm="RS256"),
    ):
        with pytest.raises(TokenRejected):
            await verifier.verify(forged, now=NOW)
    assert idp.fetches == 0


# --- over a real socket --------------------------------------------------------------------------


async def test_real_http_server_and_slow_drip_body() -> None:
    async def jwks(_: web.Request) -> web.Response:
        return web.json_response(JWKS)

    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"content-type": "application/json"})
        await response.prepare(request)
        for _ in range(100):
            await response.write(b" ")
            await asyncio.sleep(0.02)
        return response

    app = web.Application()
    app.router.add_get("/jwks", jwks)
    app.router.add_get("/drip", drip)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        host, port = runner.addresses[0][:2]
        async with httpx.AsyncClient() as client:
            cache = JwksCache(client, f"http://{host}:{port}/jwks")
            assert (await cache.key_for("ec-1")).kid == "ec-1"
            # Each read is quick, so only an overall deadline stops a slow drip.
            slow = JwksCache(client, f"http://{host}:{port}/drip", fetch_timeout_seconds=0.3)
            async with asyncio.timeout(1.5):
                with pytest.raises(KeySourceUnavailable):
                    await slow.key_for("ec-1")
    finally:
        await runner.cleanup()


def test_static_key_sets_hold_only_asymmetric_keys() -> None:
    keys, _ = key_set(JWKS)
    assert {jwk.kty for jwk in keys.values()} == {"RSA", "EC"}
    with pytest.raises(ValueError, match="at least one key"):
        StaticKeySet.from_jwks({"keys": [{"kty": "oct", "kid": "s", "k": "c2VjcmV0" * 8}]})
