"""External access tokens: take the bearer token, verify it under the pinned policy, cache it.

The issuers trusted are the council's identity providers (`FSM_AUTH_ISSUERS`: Entra ID
tenants, Keycloak realms; and `FSM_AUTH_ISSUER`, matched by `sub`) and, outside production,
the local development issuer (`fsm token`, a static key from state_dir). The unverified `iss`
only picks which of those rules apply; verification checks it again, then the issuer's
identity rule (gateway/identity.py) says who the token names. Verified tokens are remembered
by their SHA-256 until they expire, so the proxy hot path does one hash and one dict lookup
instead of a signature check.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from gateway.identity import Identity, IdentityRule
from gateway.issuers import EntraIssuer, OidcIssuer
from gateway.jwks import (
    AccessTokenVerifier,
    JwksCache,
    KeySourceUnavailable,
    StaticKeySet,
    TrustedIssuer,
)
from gateway.role_mapping import RoleGrant
from gateway.settings import GatewaySettings
from services.dev_keys import DevKeys
from services.errors import ProblemError
from services.jose import DEFAULT_REQUIRED_CLAIMS, TokenRejected, VerificationPolicy

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

    subject: str  # the identity as one string (Identity.label), for limits and refusals
    issuer: str
    expires_at: float
    identity: Identity
    roles: RoleGrant | None = None


class TokenAuthenticator:
    """Verify access tokens, remembering good ones (by hash) until they expire."""

    def __init__(
        self,
        verifier: AccessTokenVerifier,
        *,
        rules: Mapping[str, IdentityRule] | None = None,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._verifier = verifier
        # By issuer; an issuer with no rule names its tokens' `sub` as a directory subject.
        self._rules = dict(rules or {})
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
            rule = self._rules.get(claims["iss"], _BY_SUBJECT)
            identity, roles = rule.identify(claims)
        except TokenRejected as exc:
            log.info("access token refused: %s", exc.reason)
            raise InvalidToken(exc.reason) from None
        except KeySourceUnavailable:
            log.warning("access token could not be checked: identity provider keys unavailable")
            raise KeysUnavailable() from None
        verified = VerifiedToken(
            identity.label, claims["iss"], float(claims["exp"]), identity, roles
        )
        if self._max_entries > 0:
            self._cache[digest] = verified
            while len(self._cache) > self._max_entries:
                self._cache.popitem(last=False)
        return verified


@dataclass
class Trust:
    """Every issuer this deployment trusts, how each names people, and the JWKS caches."""

    issuers: list[TrustedIssuer]
    rules: dict[str, IdentityRule]
    caches: list[JwksCache]


def _jwks_cache(settings: GatewaySettings, client: httpx.AsyncClient | None, url: str) -> JwksCache:
    if client is None:
        raise ValueError("an identity provider needs a JWKS client")
    return JwksCache(
        client,
        url,
        ttl_seconds=settings.auth_jwks_ttl_seconds,
        min_refresh_interval_seconds=settings.auth_jwks_min_refresh_seconds,
        retry_initial_seconds=settings.auth_jwks_retry_initial_seconds,
        retry_max_seconds=settings.auth_jwks_retry_max_seconds,
    )


def _policy(
    settings: GatewaySettings,
    issuer: str,
    audiences: tuple[str, ...],
    *,
    algorithms: tuple[str, ...] | None = None,
    naming_claim: str = "sub",
    pinned: tuple[str, ...] = (),
) -> VerificationPolicy:
    # Entra's `sub` is pairwise and useless to us; require the claims we name people by.
    required = tuple(c for c in DEFAULT_REQUIRED_CLAIMS if c != "sub")
    required += tuple(dict.fromkeys((naming_claim, *pinned)))
    return VerificationPolicy(
        issuer=issuer,
        audience=audiences[0],
        other_audiences=audiences[1:],
        algorithms=algorithms or settings.auth_algorithms,
        leeway_seconds=settings.auth_clock_skew_seconds,
        max_token_bytes=settings.auth_max_token_bytes,
        required_claims=required,
    )


def _configured(
    settings: GatewaySettings, entry: EntraIssuer | OidcIssuer, client: httpx.AsyncClient | None
) -> Trust:
    cache = _jwks_cache(settings, client, entry.keys_url)
    rule = IdentityRule(
        namespace=None if entry.lookup == "subject" else entry.key,
        claim=entry.claim,
        pinned=entry.pinned_claims,
        roles=entry.roles,
    )
    issuers = [
        TrustedIssuer(
            _policy(
                settings,
                iss,
                entry.audiences,
                naming_claim=entry.claim,
                pinned=tuple(entry.pinned_claims),
            ),
            cache,
        )
        for iss in entry.issuers
    ]
    return Trust(issuers, {iss: rule for iss in entry.issuers}, [cache])


def trust_from_settings(
    settings: GatewaySettings,
    *,
    jwks_client: httpx.AsyncClient | None,
    dev_keys: DevKeys | None,
) -> Trust:
    """Build the issuers this deployment trusts, their identity rules and JWKS caches."""
    trust = Trust([], {}, [])
    if settings.auth_jwks_url is not None and settings.auth_issuer:
        cache = _jwks_cache(settings, jwks_client, str(settings.auth_jwks_url))
        policy = _policy(settings, settings.auth_issuer, (settings.auth_audience,))
        trust.issuers.append(TrustedIssuer(policy, cache))
        trust.caches.append(cache)
    for entry in settings.auth_issuers:
        configured = _configured(settings, entry, jwks_client)
        trust.issuers += configured.issuers
        trust.rules.update(configured.rules)
        trust.caches += configured.caches
    dev_issuer = settings.dev_issuer_trusted
    if dev_issuer is not None and dev_keys is not None:
        policy = _policy(settings, dev_issuer, (settings.auth_audience,), algorithms=("ES256",))
        trust.issuers.append(TrustedIssuer(policy, StaticKeySet.from_jwks(dev_keys.idp_jwks())))
    if not trust.issuers:
        raise ValueError(
            "no token issuer is configured: set FSM_AUTH_ISSUERS or FSM_AUTH_JWKS_URL/ISSUER"
        )
    return trust


def trusted_issuers(
    settings: GatewaySettings,
    *,
    jwks_client: httpx.AsyncClient | None,
    dev_keys: DevKeys | None,
) -> tuple[list[TrustedIssuer], JwksCache | None]:
    """The issuers this deployment trusts, and its first JWKS cache (if any)."""
    trust = trust_from_settings(settings, jwks_client=jwks_client, dev_keys=dev_keys)
    return trust.issuers, trust.caches[0] if trust.caches else None


# Tokens of an issuer without a rule name a directory subject by `sub`.
_BY_SUBJECT = IdentityRule(namespace=None)
