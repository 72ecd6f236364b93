"""External access tokens: take the bearer token, verify it under the pinned policy, cache it.

Only two issuers are ever trusted: the council identity provider (keys from its JWKS URL) and,
outside production, the local development issuer (`fsm token`, a static key from state_dir).
The unverified `iss` only picks which of those rules apply; verification checks it again.
Verified tokens are remembered by their SHA-256 until they expire, so the proxy hot path does
one hash and one dict lookup instead of a signature check.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from gateway.jwks import (
    AccessTokenVerifier,
    JwksCache,
    KeySourceUnavailable,
    StaticKeySet,
    TrustedIssuer,
)
from gateway.settings import GatewaySettings
from services.dev_keys import DevKeys
from services.errors import ProblemError
from services.jose import TokenRejected, VerificationPolicy

log = logging.getLogger(__name__)

REALM = "fsm"
JWKS_RETRY_AFTER_SECONDS = 5
_BEARER = b"bearer "


class InvalidToken(ProblemError):
    """The bearer token was refused (RFC 6750 `invalid_token`)."""

    def __init__(self, reason: str) -> None:
        detail = (
            "The access token has expired; obtain a new one."
            if reason == "expired"
            else "The access token is not valid."
        )
        super().__init__(
            401,
            "invalid-token",
            detail,
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}", error="invalid_token"'},
        )
        self.reason = reason


class MissingToken(ProblemError):
    """No credentials at all: advertise the scheme without an error code (RFC 6750 3.1)."""

    reason = "missing"

    def __init__(self) -> None:
        super().__init__(
            401,
            "unauthorized",
            "A bearer access token is required.",
            headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'},
        )


class KeysUnavailable(ProblemError):
    """The identity provider's keys cannot be had: fail closed, ask the client to retry."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "identity-provider-unavailable",
            "Sign-in keys cannot be fetched from the identity provider; retry shortly.",
            headers={"Retry-After": str(JWKS_RETRY_AFTER_SECONDS)},
        )


def bearer_token(headers: list[tuple[bytes, bytes]]) -> str:
    """Return the one bearer token of a request; raise MissingToken or InvalidToken."""
    values = [value for name, value in headers if name == b"authorization"]
    if not values:
        raise MissingToken()
    if len(values) > 1:
        # Two credentials are ambiguous: some component downstream might pick the other one.
        raise InvalidToken("duplicate_authorization")
    value = values[0]
    if value[:7].lower() != _BEARER:
        raise InvalidToken("not_bearer")
    try:
        token = value[7:].strip().decode("ascii")
    except UnicodeDecodeError:
        raise InvalidToken("malformed") from None
    if not token:
        raise InvalidToken("malformed")
    return token


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    """What the gateway keeps of a verified access token."""

    subject: str
    issuer: str
    expires_at: float


class TokenAuthenticator:
    """Verify access tokens, remembering good ones (by hash) until they expire."""

    def __init__(
        self,
        verifier: AccessTokenVerifier,
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._verifier = verifier
        self._max_entries = max_entries
        self._clock = clock
        self._cache: OrderedDict[bytes, VerifiedToken] = OrderedDict()

    def cached(self, token: str) -> VerifiedToken | None:
        """The token as verified earlier and not yet expired; one hash, no parsing."""
        return self._lookup(hashlib.sha256(token.encode("ascii")).digest())

    def _lookup(self, digest: bytes) -> VerifiedToken | None:
        cached = self._cache.get(digest)
        if cached is None:
            return None
        if self._clock() < cached.expires_at:
            self._cache.move_to_end(digest)
            return cached
        del self._cache[digest]
        return None

    async def authenticate(self, token: str) -> VerifiedToken:
        """Return the verified token; raise InvalidToken or KeysUnavailable."""
        digest = hashlib.sha256(token.encode("ascii")).digest()
        cached = self._lookup(digest)
        if cached is not None:
            return cached
        now = self._clock()
        try:
            claims = await self._verifier.verify(token, now=now)
        except TokenRejected as exc:
            log.info("access token refused: %s", exc.reason)
            raise InvalidToken(exc.reason) from None
        except KeySourceUnavailable:
            log.warning("access token could not be checked: identity provider keys unavailable")
            raise KeysUnavailable() from None
        verified = VerifiedToken(claims["sub"], claims["iss"], float(claims["exp"]))
        if self._max_entries > 0:
            self._cache[digest] = verified
            while len(self._cache) > self._max_entries:
                self._cache.popitem(last=False)
        return verified


def trusted_issuers(
    settings: GatewaySettings,
    *,
    jwks_client: httpx.AsyncClient | None,
    dev_keys: DevKeys | None,
) -> tuple[list[TrustedIssuer], JwksCache | None]:
    """Build the issuers this deployment trusts, and the JWKS cache when there is an IdP."""
    issuers: list[TrustedIssuer] = []
    jwks: JwksCache | None = None
    if settings.auth_jwks_url is not None and settings.auth_issuer:
        if jwks_client is None:
            raise ValueError("an identity provider needs a JWKS client")
        jwks = JwksCache(
            jwks_client,
            str(settings.auth_jwks_url),
            ttl_seconds=settings.auth_jwks_ttl_seconds,
            min_refresh_interval_seconds=settings.auth_jwks_min_refresh_seconds,
            retry_initial_seconds=settings.auth_jwks_retry_initial_seconds,
            retry_max_seconds=settings.auth_jwks_retry_max_seconds,
        )
        issuers.append(
            TrustedIssuer(
                VerificationPolicy(
                    issuer=settings.auth_issuer,
                    audience=settings.auth_audience,
                    algorithms=settings.auth_algorithms,
                    leeway_seconds=settings.auth_clock_skew_seconds,
                    max_token_bytes=settings.auth_max_token_bytes,
                ),
                jwks,
            )
        )
    dev_issuer = settings.dev_issuer_trusted
    if dev_issuer is not None and dev_keys is not None:
        issuers.append(
            TrustedIssuer(
                VerificationPolicy(
                    issuer=dev_issuer,
                    audience=settings.auth_audience,
                    algorithms=("ES256",),
                    leeway_seconds=settings.auth_clock_skew_seconds,
                    max_token_bytes=settings.auth_max_token_bytes,
                ),
                StaticKeySet.from_jwks(dev_keys.idp_jwks()),
            )
        )
    if not issuers:
        raise ValueError("no token issuer is configured: set FSM_AUTH_JWKS_URL/FSM_AUTH_ISSUER")
    return issuers, jwks
