"""Verifying compact JWS tokens against a policy: header rules, then signature, then claims."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from services.jose.encoding import b64url_decode, check_b64url_shape, json_object, media_type
from services.jose.errors import TokenRejected
from services.jose.keys import (
    DEFAULT_ALGORITHMS,
    DEFAULT_REQUIRED_CLAIMS,
    SUPPORTED_ALGORITHMS,
    Jwk,
)

_MAX_LEEWAY_SECONDS: Final = 300
# NumericDate values outside this range are nonsense (and floats lose integer precision there).
_MAX_NUMERIC_DATE: Final = 2**53


@dataclass(frozen=True, slots=True)
class VerificationPolicy:
    """What a token must satisfy to be accepted from one issuer."""

    issuer: str
    audience: str
    algorithms: tuple[str, ...] = DEFAULT_ALGORITHMS
    leeway_seconds: int = 30
    max_token_bytes: int = 8192
    required_claims: tuple[str, ...] = DEFAULT_REQUIRED_CLAIMS
    max_lifetime_seconds: int | None = None
    # Explicit typing (RFC 8725 3.11): when set, the header `typ` must name this type.
    typ: str | None = None
    # Further audiences accepted besides `audience` (Entra: the application id URI in v1
    # tokens, the client id in v2 tokens, for one application).
    other_audiences: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.issuer or not self.audience:
            raise ValueError("issuer and audience are required")
        if not self.algorithms:
            raise ValueError("at least one algorithm must be allowed")
        unsupported = set(self.algorithms) - SUPPORTED_ALGORITHMS
        if unsupported:
            raise ValueError(f"unsupported algorithms: {sorted(unsupported)}")
        if not 0 <= self.leeway_seconds <= _MAX_LEEWAY_SECONDS:
            raise ValueError(f"leeway_seconds must be within 0..{_MAX_LEEWAY_SECONDS}")
        if self.max_token_bytes <= 0:
            raise ValueError("max_token_bytes must be positive")
        missing = {"iss", "aud", "exp"} - set(self.required_claims)
        if missing:
            raise ValueError(f"required_claims must include {sorted(missing)}")


@dataclass(frozen=True, slots=True)
class _Parsed:
    header: dict[str, Any]
    claims_segment: str
    signing_input: bytes
    signature: bytes


def _parse(token: str, max_token_bytes: int) -> _Parsed:
    # Size first, before any decoding: len() of a str is O(1) and never exceeds its UTF-8 size.
    if not isinstance(token, str):
        raise TokenRejected("malformed")
    if len(token) > max_token_bytes:
        raise TokenRejected("too_large")
    if not token.isascii():
        raise TokenRejected("malformed")
    try:
        parts = token.split(".")
        if len(parts) != 3:
            raise TokenRejected("malformed")
        header_segment, claims_segment, signature_segment = parts
        header = json_object(b64url_decode(header_segment))
        signature = b64url_decode(signature_segment)
        check_b64url_shape(claims_segment)
    except TokenRejected:
        raise
    except Exception as exc:
        raise TokenRejected("malformed") from exc
    signing_input = f"{header_segment}.{claims_segment}".encode("ascii")
    return _Parsed(header, claims_segment, signing_input, signature)


def _check_header(header: Mapping[str, Any], policy: VerificationPolicy) -> str:
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise TokenRejected("malformed")
    if alg.strip().lower() == "none":
        raise TokenRejected("alg_none")
    if alg not in policy.algorithms:
        raise TokenRejected("alg_not_allowed")
    if "jwk" in header or "x5c" in header:
        raise TokenRejected("embedded_key")
    if "jku" in header or "x5u" in header:
        raise TokenRejected("key_url")
    if "crit" in header:
        raise TokenRejected("crit_header")
    if "enc" in header or "zip" in header:
        raise TokenRejected("malformed")
    if policy.typ is not None and media_type(header.get("typ")) != media_type(policy.typ):
        raise TokenRejected("bad_type")
    kid = header.get("kid")
    if kid is None:
        raise TokenRejected("missing_kid")
    if not isinstance(kid, str) or not kid:
        raise TokenRejected("malformed")
    return kid


def peek_header(token: str, policy: VerificationPolicy) -> dict[str, Any]:
    """Return the header of a token that passes the size and header rules; nothing is verified.

    The returned header always has an allowed `alg` and a string `kid`, so the caller can
    fetch the key and then call `verify`.
    """
    parsed = _parse(token, policy.max_token_bytes)
    _check_header(parsed.header, policy)
    return parsed.header


def peek_issuer(token: str, *, max_token_bytes: int) -> str | None:
    """Return the unverified `iss` of a token, to choose which issuer's policy applies."""
    parsed = _parse(token, max_token_bytes)
    try:
        issuer = json_object(b64url_decode(parsed.claims_segment)).get("iss")
    except Exception as exc:
        raise TokenRejected("malformed") from exc
    return issuer if isinstance(issuer, str) else None


def verify(
    token: str,
    keys: Mapping[str, Jwk],
    policy: VerificationPolicy,
    *,
    now: float | None = None,
) -> dict[str, Any]:
    """Verify a compact JWS against keys by kid and the policy; return its claims."""
    parsed = _parse(token, policy.max_token_bytes)
    kid = _check_header(parsed.header, policy)
    jwk = keys.get(kid)
    if jwk is None:
        raise TokenRejected("unknown_kid")
    verifier = jwk.verifier(parsed.header["alg"])
    try:
        valid = verifier.verify(parsed.signing_input, parsed.signature)
    except Exception as exc:  # the library's own errors, whatever they are, mean "not valid"
        raise TokenRejected("bad_signature") from exc
    if not valid:
        raise TokenRejected("bad_signature")
    try:
        claims = json_object(b64url_decode(parsed.claims_segment))
    except Exception as exc:
        raise TokenRejected("malformed") from exc
    _check_claims(claims, policy, time.time() if now is None else now)
    return claims


def _check_claims(claims: dict[str, Any], policy: VerificationPolicy, now: float) -> None:
    for name in policy.required_claims:
        if name not in claims:
            raise TokenRejected(f"missing_claim:{name}")
    leeway = policy.leeway_seconds
    if claims.get("iss") != policy.issuer:
        raise TokenRejected("bad_issuer")
    audience = claims.get("aud")
    if isinstance(audience, str):
        audience = [audience]
    if not isinstance(audience, list) or not all(isinstance(a, str) for a in audience):
        raise TokenRejected("invalid_claim:aud")
    if policy.audience not in audience and not set(policy.other_audiences) & set(audience):
        raise TokenRejected("bad_audience")
    exp = _numeric_date(claims, "exp")
    if exp is None or now >= exp + leeway:
        raise TokenRejected("expired")
    iat = _numeric_date(claims, "iat")
    if iat is not None and iat > now + leeway:
        raise TokenRejected("iat_in_future")
    nbf = _numeric_date(claims, "nbf")
    if nbf is not None and nbf > now + leeway:
        raise TokenRejected("not_yet_valid")
    if policy.max_lifetime_seconds is not None and (
        iat is None or exp - iat > policy.max_lifetime_seconds
    ):
        raise TokenRejected("lifetime_too_long")
    if "sub" in claims:
        sub = claims["sub"]
        if not isinstance(sub, str) or not sub.strip():
            raise TokenRejected("invalid_claim:sub")


def _numeric_date(claims: Mapping[str, Any], name: str) -> float | None:
    if name not in claims:
        return None
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenRejected(f"invalid_claim:{name}")
    if not (isinstance(value, int) or math.isfinite(value)) or not (0 <= value < _MAX_NUMERIC_DATE):
        raise TokenRejected(f"invalid_claim:{name}")
    return float(value)
