"""Verification keys for access tokens: the council identity provider's JWKS, or a static set.

Once keys are held, the JWKS is cached for a TTL and refreshed at most once per
`min_refresh_interval_seconds` whatever triggers it, so a client spraying unknown `kid`s cannot
make us hammer the identity provider. While no key is held (start-up with the provider briefly
unreachable), attempts follow a capped exponential backoff with jitter instead, so sign-ins work
again within seconds of the provider coming back; `retry_until_keys` keeps trying in the
background so a gateway with no traffic (not ready, so sent none) still gets its keys.
Concurrent callers share one in-flight fetch. When the provider is unreachable, cached keys keep
working (up to `max_stale_seconds`); with nothing cached, `key_for` raises
`KeySourceUnavailable`, which the gateway answers with 503: it fails closed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from services.backoff import backoff_delay
from services.jose import (
    InvalidKey,
    Jwk,
    TokenRejected,
    VerificationPolicy,
    key_set,
    peek_header,
    peek_issuer,
    verify,
)

log = logging.getLogger(__name__)

# The background retry never spins faster than this, even when backoff is configured away.
_MIN_RETRY_PAUSE_SECONDS = 0.05
_jitter = random.SystemRandom()


class KeySourceUnavailable(Exception):
    """No verification key can be had right now; the gateway answers 503, never lets through."""


class KeySource(Protocol):
    """Where the key for a token's `kid` comes from."""

    async def key_for(self, kid: str) -> Jwk:
        """Return the key for `kid`; raise TokenRejected("unknown_kid") or KeySourceUnavailable."""
        ...


class StaticKeySet:
    """A fixed key set, such as the local development issuer's."""

    def __init__(self, keys: Mapping[str, Jwk]) -> None:
        if not keys:
            raise InvalidKey("a static key set needs at least one key")
        self._keys = dict(keys)

    @classmethod
    def from_jwks(cls, document: Mapping[str, Any]) -> StaticKeySet:
        """Build the set from a JWKS document (asymmetric keys only)."""
        keys, skipped = key_set(document)
        for note in skipped:
            log.warning("static JWKS: skipped %s", note)
        return cls(keys)

    async def key_for(self, kid: str) -> Jwk:
        """Return the key for `kid`."""
        jwk = self._keys.get(kid)
        if jwk is None:
            raise TokenRejected("unknown_kid")
        return jwk


class JwksCache:
    """The identity provider's signing keys, fetched from its JWKS URL and cached."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        *,
        ttl_seconds: float = 300.0,
        min_refresh_interval_seconds: float = 30.0,
        fetch_timeout_seconds: float = 5.0,
        max_stale_seconds: float = 86_400.0,
        max_document_bytes: int = 256 * 1024,
        retry_initial_seconds: float = 0.1,
        retry_max_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        uniform: Callable[[], float] = _jitter.random,
    ) -> None:
        if min_refresh_interval_seconds < 0 or ttl_seconds <= 0 or fetch_timeout_seconds <= 0:
            raise ValueError("intervals and timeouts must be positive")
        if retry_initial_seconds <= 0 or retry_max_seconds < retry_initial_seconds:
            raise ValueError("retry delays must be positive, the maximum at least the initial")
        self._client = client
        self._url = url
        self._ttl = ttl_seconds
        self._min_interval = min_refresh_interval_seconds
        self._fetch_timeout = fetch_timeout_seconds
        self._max_stale = max_stale_seconds
        self._max_document_bytes = max_document_bytes
        self._retry_initial = retry_initial_seconds
        self._retry_max = retry_max_seconds
        self._clock = clock
        self._uniform = uniform
        self._keys: dict[str, Jwk] | None = None
        self._fetched_at = 0.0
        self._last_attempt: float | None = None
        self._inflight: asyncio.Task[None] | None = None
        # While no key is held: failed attempts in a row, and when the next one may start.
        self._failures = 0
        self._retry_at = 0.0
        self.refresh_failures = 0  # every failed fetch since start-up, for metrics

    @property
    def has_keys(self) -> bool:
        """Tell whether any key is cached (for readiness checks)."""
        return self._keys is not None

    @property
    def key_count(self) -> int:
        """How many signing keys are cached."""
        return len(self._keys or ())

    @property
    def age_seconds(self) -> float | None:
        """Seconds since the cached key set was fetched; None while no key is held."""
        if self._keys is None:
            return None
        return self._clock() - self._fetched_at

    @property
    def refreshing(self) -> bool:
        """Tell whether a fetch of the key set is under way."""
        return self._inflight is not None

    async def warm_up(self) -> bool:
        """Fetch the key set now (call once at startup); tell whether keys are available."""
        await self._refresh()
        return self._keys is not None

    async def retry_until_keys(self) -> None:
        """Keep fetching, with backoff, until a key set is held (run as a background task)."""
        while self._keys is None:
            if self._may_fetch(self._clock()):
                await self._refresh()
                if self._keys is not None:
                    return
            pause = max(self._retry_at - self._clock(), _MIN_RETRY_PAUSE_SECONDS)
            await asyncio.sleep(pause)

    async def key_for(self, kid: str) -> Jwk:
        """Return the key for `kid`, refreshing at most once when it is unknown."""
        now = self._clock()
        keys = self._keys
        if keys is not None:
            age = now - self._fetched_at
            jwk = keys.get(kid)
            if jwk is not None and age < self._ttl:
                return jwk
            if jwk is not None and age < self._ttl + self._max_stale:
                # Known key, stale set: answer now and revalidate in the background.
                if self._may_fetch(now):
                    self._start_refresh()
                return jwk
        if self._may_fetch(now):
            await self._refresh()
        keys = self._keys
        if keys is None or self._clock() - self._fetched_at >= self._ttl + self._max_stale:
            raise KeySourceUnavailable("no signing keys from the identity provider")
        jwk = keys.get(kid)
        if jwk is None:
            raise TokenRejected("unknown_kid")
        return jwk

    def _may_fetch(self, now: float) -> bool:
        if self._inflight is not None or self._last_attempt is None:
            return True
        if self._keys is None:
            # Nothing to serve with: retry on the backoff schedule, not the refresh interval.
            return now >= self._retry_at
        return now - self._last_attempt >= self._min_interval

    def _start_refresh(self) -> asyncio.Task[None]:
        task = self._inflight
        if task is None:
            self._last_attempt = self._clock()
            task = asyncio.create_task(self._fetch_and_store(), name="jwks-refresh")
            self._inflight = task
            task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        if self._inflight is task:
            self._inflight = None

    async def _refresh(self) -> None:
        # shield: a caller that is cancelled (client went away) must not cancel the shared fetch.
        await asyncio.shield(self._start_refresh())

    async def _fetch_and_store(self) -> None:
        try:
            async with asyncio.timeout(self._fetch_timeout):
                document = await self._fetch()
            keys, skipped = key_set(document)
            for note in skipped:
                log.warning("JWKS %s: skipped %s", self._url, note)
            if not keys:
                raise InvalidKey("no usable signing key in the JWKS")
        except Exception as exc:
            log.warning("JWKS refresh from %s failed: %s: %s", self._url, type(exc).__name__, exc)
            self._note_failure()
            return
        self._keys = keys
        self._fetched_at = self._clock()
        self._failures = 0
        log.info("JWKS refreshed from %s: %d keys", self._url, len(keys))

    def _note_failure(self) -> None:
        self.refresh_failures += 1
        self._failures += 1
        delay = backoff_delay(self._failures, self._retry_initial, self._retry_max, self._uniform)
        # Never slower than a cache that holds keys would retry.
        self._retry_at = self._clock() + min(delay, self._min_interval)

    async def _fetch(self) -> Any:
        async with self._client.stream(
            "GET",
            self._url,
            headers={"Accept": "application/json"},
            timeout=self._fetch_timeout,
            follow_redirects=False,
        ) as response:
            if response.status_code != httpx.codes.OK:
                raise InvalidKey(f"JWKS endpoint answered {response.status_code}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self._max_document_bytes:
                    raise InvalidKey("JWKS document is too large")
        return json.loads(bytes(body))


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    """An issuer the gateway accepts access tokens from, with its rules and keys."""

    policy: VerificationPolicy
    keys: KeySource


class AccessTokenVerifier:
    """Verify an access token against the trusted issuer it names."""

    def __init__(self, issuers: Sequence[TrustedIssuer]) -> None:
        if not issuers:
            raise ValueError("at least one trusted issuer is required")
        self._issuers = {trusted.policy.issuer: trusted for trusted in issuers}
        if len(self._issuers) != len(issuers):
            raise ValueError("each issuer may be trusted only once")
        self._max_token_bytes = max(trusted.policy.max_token_bytes for trusted in issuers)

    async def verify(self, token: str, *, now: float | None = None) -> dict[str, Any]:
        """Return the verified claims; raise TokenRejected or KeySourceUnavailable."""
        # The unverified `iss` only selects the rules and keys; `verify` then checks it again.
        issuer = peek_issuer(token, max_token_bytes=self._max_token_bytes)
        trusted = self._issuers.get(issuer or "")
        if trusted is None:
            raise TokenRejected("bad_issuer")
        header = peek_header(token, trusted.policy)
        jwk = await trusted.keys.key_for(header["kid"])
        return verify(token, {header["kid"]: jwk}, trusted.policy, now=now)
