"""The gateway-to-service internal token: a short-lived ES256 JWS carrying the resolved Principal.

Both ends sit on every proxied request, so both cache: the gateway reuses a token per
(principal, service) until half its lifetime is gone, and a service remembers tokens it has
already verified until they expire. Neither cache can extend a token's validity.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Final
from uuid import UUID

import services.jose
from services.delegation import callees_for
from services.jose import InvalidKey, SigningKey, TokenRejected, VerificationPolicy
from services.principal import Principal
from services.registry import BACKENDS

INTERNAL_ISSUER: Final = "fsm-gateway"
INTERNAL_SERVICES: Final = frozenset(unit.name for unit in BACKENDS)
INTERNAL_ALGORITHM: Final = "ES256"
INTERNAL_TYP: Final = "fsm-internal+jwt"
PRINCIPAL_CLAIM: Final = "fsm"
DEFAULT_TTL_SECONDS: Final = 60
MAX_TTL_SECONDS: Final = 300
DEFAULT_CACHE_ENTRIES: Final = 4096
_MAX_INTERNAL_TOKEN_BYTES: Final = 32_768

Clock = Callable[[], float]


def internal_audience(service: str) -> str:
    """Return the audience of internal tokens meant for `service`."""
    if service not in INTERNAL_SERVICES:
        raise ValueError(f"unknown internal service {service!r}")
    return f"fsm-internal:{service}"


def internal_audiences(service: str, roles: frozenset[str] = frozenset()) -> list[str]:
    """The audiences of a token forwarded to `service` for a caller holding `roles`: it, then
    the units it may call as that caller."""
    return [internal_audience(name) for name in (service, *callees_for(service, roles))]


def principal_claims(principal: Principal) -> dict[str, Any]:
    """Return the private `fsm` claim that carries a principal."""
    return {
        "practitioner_id": str(principal.practitioner_id),
        "display_name": principal.display_name,
        "discipline": principal.discipline,
        "roles": sorted(principal.roles),
        "teams": sorted(str(team) for team in principal.team_ids),
        "managed_teams": sorted(str(team) for team in principal.managed_team_ids),
    }


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Rebuild the principal from verified claims; raise TokenRejected if they do not fit."""
    try:
        data = claims[PRINCIPAL_CLAIM]
        if not isinstance(data, dict):
            raise TypeError(PRINCIPAL_CLAIM)
        return Principal(
            subject=_string(claims["sub"]),
            practitioner_id=UUID(_string(data["practitioner_id"])),
            display_name=_string(data["display_name"]),
            discipline=_string(data["discipline"]),
            roles=frozenset(_strings(data["roles"])),
            team_ids=frozenset(UUID(team) for team in _strings(data["teams"])),
            managed_team_ids=frozenset(UUID(team) for team in _strings(data["managed_teams"])),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenRejected(f"invalid_claim:{PRINCIPAL_CLAIM}") from exc


class InternalTokenIssuer:
    """Mint internal tokens for the gateway, reusing each until half its lifetime is gone."""

    def __init__(
        self,
        private_pem: bytes,
        kid: str,
        *,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        max_entries: int = DEFAULT_CACHE_ENTRIES,
        clock: Clock = time.time,
    ) -> None:
        if not 2 <= ttl_seconds <= MAX_TTL_SECONDS:
            raise ValueError(f"ttl_seconds must be within 2..{MAX_TTL_SECONDS}")
        if max_entries < 1:
            raise ValueError("max_entries must be positive")
        self._key = SigningKey.from_pem(private_pem, kid=kid, algorithm=INTERNAL_ALGORITHM)
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._cache: OrderedDict[tuple[Principal, str], tuple[str, float]] = OrderedDict()

    def public_jwks(self) -> dict[str, Any]:
        """Return the JWKS services need to verify this issuer's tokens."""
        return {"keys": [self._key.public_jwk()]}

    def token_for(self, principal: Principal, service: str) -> str:
        """Return a valid internal token for `principal` calling `service`."""
        now = self._clock()
        cache_key = (principal, service)
        cached = self._cache.get(cache_key)
        if cached is not None and cached[1] - now >= self._ttl / 2:
            self._cache.move_to_end(cache_key)
            return cached[0]
        issued_at = math.floor(now)
        expires_at = issued_at + self._ttl
        claims = {
            "iss": INTERNAL_ISSUER,
            "aud": internal_audiences(service, principal.roles),
            "sub": principal.subject,
            "iat": issued_at,
            "exp": expires_at,
            PRINCIPAL_CLAIM: principal_claims(principal),
        }
        token = services.jose.sign(claims, self._key, typ=INTERNAL_TYP)
        self._cache[cache_key] = (token, float(expires_at))
        self._cache.move_to_end(cache_key)
        while len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)
        return token


class InternalTokenVerifier:
    """Verify internal tokens addressed to one service, remembering good ones until they expire."""

    def __init__(
        self,
        public_jwks: Mapping[str, Any],
        service: str,
        *,
        leeway_seconds: int = 5,
        max_entries: int = DEFAULT_CACHE_ENTRIES,
        clock: Clock = time.time,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be positive")
        self._keys, _skipped = services.jose.key_set(public_jwks)
        if not self._keys:
            raise InvalidKey("the internal JWKS has no usable key")
        self._policy = VerificationPolicy(
            issuer=INTERNAL_ISSUER,
            audience=internal_audience(service),
            algorithms=(INTERNAL_ALGORITHM,),
            leeway_seconds=leeway_seconds,
            max_token_bytes=_MAX_INTERNAL_TOKEN_BYTES,
            required_claims=("iss", "aud", "exp", "iat", "sub", PRINCIPAL_CLAIM),
            max_lifetime_seconds=MAX_TTL_SECONDS,
            typ=INTERNAL_TYP,
        )
        self._max_entries = max_entries
        self._clock = clock
        self._cache: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def verify(self, token: str) -> Principal:
        """Return the principal an internal token carries; raise TokenRejected otherwise."""
        now = self._clock()
        cached = self._cache.get(token)
        if cached is not None:
            principal, expires_at = cached
            if now < expires_at + self._policy.leeway_seconds:
                self._cache.move_to_end(token)
                return principal
            del self._cache[token]
        claims = services.jose.verify(token, self._keys, self._policy, now=now)
        principal = principal_from_claims(claims)
        self._cache[token] = (principal, float(claims["exp"]))
        while len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)
        return principal


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError("expected a list of strings")
    return value
