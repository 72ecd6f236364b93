"""All JOSE in one place: verify and sign compact JWS tokens, parse and publish JWKs.

This is the only module that imports python-jose, so swapping the library touches one file.
python-jose supplies the signature primitives (pinned to its `cryptography` backend); the
parsing, header rules and claim checks are ours, because python-jose's own are too lax for
RFC 8725: it does not require `aud`, accepts `iat` in the future, decodes base64 leniently,
silently falls back to pure-Python backends and builds an HMAC key from whatever the header's
`alg` asks for.

Every way a token can be refused raises `TokenRejected` with a short machine `reason`:
`too_large`, `malformed`, `alg_none`, `alg_not_allowed`, `missing_kid`, `unknown_kid`,
`embedded_key` (`jwk`/`x5c`), `key_url` (`jku`/`x5u`), `crit_header`, `bad_type`,
`alg_key_mismatch`, `bad_signature`, `missing_claim:<name>`, `invalid_claim:<name>`,
`bad_issuer`, `bad_audience`, `expired`, `not_yet_valid`, `iat_in_future`, `lifetime_too_long`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose.backends.base import Key
from jose.backends.cryptography_backend import (
    CryptographyECKey,
    CryptographyHMACKey,
    CryptographyRSAKey,
)
from jose.jws import sign as _jose_sign

__all__ = [
    "InvalidKey",
    "Jwk",
    "SigningKey",
    "TokenRejected",
    "VerificationPolicy",
    "jwk_thumbprint",
    "key_set",
    "peek_header",
    "peek_issuer",
    "public_jwk",
    "sign",
    "verify",
]

RSA_ALGORITHMS: Final = frozenset({"RS256", "RS384", "RS512"})
EC_ALGORITHMS: Final = frozenset({"ES256", "ES384", "ES512"})
HMAC_ALGORITHMS: Final = frozenset({"HS256", "HS384", "HS512"})
SUPPORTED_ALGORITHMS: Final = RSA_ALGORITHMS | EC_ALGORITHMS | HMAC_ALGORITHMS
DEFAULT_ALGORITHMS: Final = ("RS256", "ES256")
DEFAULT_REQUIRED_CLAIMS: Final = ("iss", "aud", "exp", "iat", "sub")

_ALGORITHMS_FOR_KTY: Final = {"RSA": RSA_ALGORITHMS, "EC": EC_ALGORITHMS, "oct": HMAC_ALGORITHMS}
_CURVE_FOR_ALG: Final = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
_CURVES: Final[dict[str, type[ec.EllipticCurve]]] = {
    "P-256": ec.SECP256R1,
    "P-384": ec.SECP384R1,
    "P-521": ec.SECP521R1,
}
_CURVE_NAMES: Final = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_MIN_RSA_BITS: Final = 2048
_MIN_HMAC_BYTES: Final = 32
_MAX_LEEWAY_SECONDS: Final = 300
# NumericDate values outside this range are nonsense (and floats lose integer precision there).
_MAX_NUMERIC_DATE: Final = 2**53
_B64URL: Final = re.compile(r"[A-Za-z0-9_-]*")
_PRIVATE_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth"})


class TokenRejected(Exception):
    """A token (or a key it names) failed verification; `reason` says why, for logs and tests."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidKey(ValueError):
    """A JWK or PEM cannot be used to verify or sign."""


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


@dataclass(frozen=True, slots=True, eq=False)
class Jwk:
    """A validated public verification key (or, only when asked for, an HMAC secret)."""

    kid: str
    kty: str
    alg: str | None
    curve: str | None = None
    _material: rsa.RSAPublicKey | ec.EllipticCurvePublicKey | bytes = field(default=b"", repr=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, allow_symmetric: bool = False) -> Jwk:
        """Validate a JWK; keep only its public members. Raise InvalidKey when unusable."""
        try:
            return cls._from_dict(data, allow_symmetric=allow_symmetric)
        except InvalidKey:
            raise
        except Exception as exc:
            raise InvalidKey(f"malformed JWK: {type(exc).__name__}") from exc

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any], *, allow_symmetric: bool) -> Jwk:
        if not isinstance(data, Mapping):
            raise InvalidKey("a JWK must be an object")
        kid, kty, alg, use = (data.get(name) for name in ("kid", "kty", "alg", "use"))
        if not isinstance(kid, str) or not kid:
            raise InvalidKey("a JWK must have a non-empty string kid")
        if kty == "oct" and not allow_symmetric:
            raise InvalidKey("symmetric keys are not accepted here")
        if not isinstance(kty, str) or kty not in _ALGORITHMS_FOR_KTY:
            raise InvalidKey(f"unsupported kty {kty!r}")
        if use is not None and use != "sig":
            raise InvalidKey(f"key use {use!r} is not 'sig'")
        key_ops = data.get("key_ops")
        if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
            raise InvalidKey("key_ops does not allow verify")
        if alg is not None and (not isinstance(alg, str) or alg not in _ALGORITHMS_FOR_KTY[kty]):
            raise InvalidKey(f"unsupported alg {alg!r} for kty {kty}")
        if kty != "oct" and _PRIVATE_MEMBERS & data.keys():
            raise InvalidKey("a published JWK must not contain private key material")
        if kty == "RSA":
            n, e = _b64_int(data.get("n")), _b64_int(data.get("e"))
            if n.bit_length() < _MIN_RSA_BITS:
                raise InvalidKey(f"RSA keys must be at least {_MIN_RSA_BITS} bits")
            if e < 3 or e % 2 == 0:
                raise InvalidKey("bad RSA public exponent")
            return cls(kid, kty, alg, None, rsa.RSAPublicNumbers(e, n).public_key())
        if kty == "EC":
            crv = data.get("crv")
            if not isinstance(crv, str) or crv not in _CURVES:
                raise InvalidKey(f"unsupported curve {crv!r}")
            if alg is not None and _CURVE_FOR_ALG[alg] != crv:
                raise InvalidKey(f"alg {alg} does not use curve {crv}")
            curve = _CURVES[crv]()
            size = (curve.key_size + 7) // 8
            x, y = _b64_field(data.get("x"), size), _b64_field(data.get("y"), size)
            # Raises ValueError when the point is not on the curve (invalid-curve attacks).
            point = ec.EllipticCurvePublicNumbers(x, y, curve).public_key()
            return cls(kid, kty, alg, crv, point)
        secret = _b64decode(_require_str(data.get("k")))
        if len(secret) < _MIN_HMAC_BYTES:
            raise InvalidKey(f"HMAC secrets must be at least {_MIN_HMAC_BYTES} bytes")
        return cls(kid, kty, alg, None, secret)

    def _verifier(self, alg: str) -> Key:
        """Build the python-jose key for `alg`, refusing any algorithm this key is not for."""
        # The key object is built for the family of this key's kty, never from the header alg.
        if alg not in _ALGORITHMS_FOR_KTY[self.kty]:
            raise TokenRejected("alg_key_mismatch")
        if self.alg is not None and self.alg != alg:
            raise TokenRejected("alg_key_mismatch")
        if self.kty == "EC" and _CURVE_FOR_ALG[alg] != self.curve:
            raise TokenRejected("alg_key_mismatch")
        try:
            if self.kty == "RSA":
                return CryptographyRSAKey(self._material, alg)
            if self.kty == "EC":
                return CryptographyECKey(self._material, alg)
            # Only reachable for a key that was explicitly built with allow_symmetric=True.
            return CryptographyHMACKey(self._material, alg)
        except Exception as exc:
            raise TokenRejected("alg_key_mismatch") from exc


def key_set(document: Any, *, allow_symmetric: bool = False) -> tuple[dict[str, Jwk], list[str]]:
    """Parse a JWKS document into usable keys by kid, plus a note for each key skipped.

    Keys that are invalid, unsupported or not for signatures are skipped; a kid that appears
    more than once is dropped entirely, because which key it means is ambiguous.
    Raise InvalidKey when the document itself is not a JWKS.
    """
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise InvalidKey("a JWKS must be an object with a 'keys' list")
    keys: dict[str, Jwk] = {}
    skipped: list[str] = []
    duplicated: set[str] = set()
    for index, entry in enumerate(document["keys"]):
        try:
            jwk = Jwk.from_dict(entry, allow_symmetric=allow_symmetric)
        except InvalidKey as exc:
            skipped.append(f"key {index}: {exc}")
            continue
        if jwk.kid in keys or jwk.kid in duplicated:
            duplicated.add(jwk.kid)
            keys.pop(jwk.kid, None)
            skipped.append(f"key {index}: duplicate kid {jwk.kid!r}")
            continue
        keys[jwk.kid] = jwk
    return keys, skipped


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
        header = _json_object(_b64decode(header_segment))
        signature = _b64decode(signature_segment)
        _b64_shape(claims_segment)
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
    if policy.typ is not None and _media_type(header.get("typ")) != _media_type(policy.typ):
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
        issuer = _json_object(_b64decode(parsed.claims_segment)).get("iss")
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
    verifier = jwk._verifier(parsed.header["alg"])
    try:
        valid = verifier.verify(parsed.signing_input, parsed.signature)
    except Exception as exc:  # the library's own errors, whatever they are, mean "not valid"
        raise TokenRejected("bad_signature") from exc
    if not valid:
        raise TokenRejected("bad_signature")
    try:
        claims = _json_object(_b64decode(parsed.claims_segment))
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


@dataclass(frozen=True, slots=True, eq=False)
class SigningKey:
    """A private key ready to sign with one algorithm under one kid."""

    kid: str
    algorithm: str
    _key: Key = field(repr=False)
    _public_jwk: dict[str, Any] = field(repr=False)

    @classmethod
    def from_pem(cls, private_pem: bytes, *, kid: str, algorithm: str) -> SigningKey:
        """Load an unencrypted PEM private key for `algorithm` (RS*/ES*)."""
        try:
            private = serialization.load_pem_private_key(private_pem, password=None)
        except Exception as exc:
            raise InvalidKey(f"cannot load private key: {type(exc).__name__}") from exc
        if not kid:
            raise InvalidKey("a signing key needs a kid")
        if isinstance(private, rsa.RSAPrivateKey) and algorithm in RSA_ALGORITHMS:
            if private.key_size < _MIN_RSA_BITS:
                raise InvalidKey(f"RSA keys must be at least {_MIN_RSA_BITS} bits")
            key: Key = CryptographyRSAKey(private, algorithm)
        elif isinstance(private, ec.EllipticCurvePrivateKey) and algorithm in EC_ALGORITHMS:
            if _CURVE_NAMES.get(private.curve.name) != _CURVE_FOR_ALG[algorithm]:
                raise InvalidKey(f"{algorithm} needs curve {_CURVE_FOR_ALG[algorithm]}")
            key = CryptographyECKey(private, algorithm)
        else:
            raise InvalidKey(f"key type does not fit algorithm {algorithm}")
        public = {**key.public_key().to_dict(), "kid": kid, "alg": algorithm, "use": "sig"}
        return cls(kid, algorithm, key, public)

    def public_jwk(self) -> dict[str, Any]:
        """Return the public JWK (with kid, alg and use) that verifies this key's signatures."""
        return dict(self._public_jwk)


def sign(claims: Mapping[str, Any], key: SigningKey, *, typ: str = "JWT") -> str:
    """Sign claims as a compact JWS carrying the key's kid, alg and typ."""
    headers = {"kid": key.kid, "typ": typ}
    return _jose_sign(dict(claims), key._key, headers=headers, algorithm=key.algorithm)


def public_jwk(pem: bytes, *, kid: str, algorithm: str) -> dict[str, Any]:
    """Return the public JWK for a PEM private or public key."""
    try:
        loaded: Any = serialization.load_pem_public_key(pem)
    except ValueError:
        return SigningKey.from_pem(pem, kid=kid, algorithm=algorithm).public_jwk()
    if isinstance(loaded, rsa.RSAPublicKey) and algorithm in RSA_ALGORITHMS:
        key: Key = CryptographyRSAKey(loaded, algorithm)
    elif isinstance(loaded, ec.EllipticCurvePublicKey) and algorithm in EC_ALGORITHMS:
        key = CryptographyECKey(loaded, algorithm)
    else:
        raise InvalidKey(f"key type does not fit algorithm {algorithm}")
    return {**key.to_dict(), "kid": kid, "alg": algorithm, "use": "sig"}


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """Return the RFC 7638 SHA-256 thumbprint of a JWK, base64url without padding."""
    members = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "oct": ("k", "kty")}
    names = members.get(jwk.get("kty", ""))
    if names is None:
        raise InvalidKey(f"cannot take the thumbprint of kty {jwk.get('kty')!r}")
    canonical = json.dumps({n: jwk[n] for n in names}, separators=(",", ":"), sort_keys=True)
    return _b64encode(hashlib.sha256(canonical.encode("utf-8")).digest())


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64_shape(segment: str) -> None:
    if not _B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise TokenRejected("malformed")


def _b64decode(segment: str) -> bytes:
    """Decode strict, canonical base64url: one byte string has exactly one accepted encoding."""
    _b64_shape(segment)
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenRejected("malformed") from exc
    if _b64encode(data) != segment:
        raise TokenRejected("malformed")
    return data


def _media_type(value: Any) -> str | None:
    """Normalise a `typ`: case-insensitive, "application/" optional (RFC 7515 4.1.9)."""
    if not isinstance(value, str):
        return None
    return str(value).lower().removeprefix("application/")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate member name")
    return result


def _json_object(data: bytes) -> dict[str, Any]:
    value = json.loads(
        data.decode("utf-8"), object_pairs_hook=_unique_keys, parse_constant=_reject_constant
    )
    if not isinstance(value, dict):
        raise TokenRejected("malformed")
    # Lone surrogates from \\u escapes would blow up later, far from here; refuse them now.
    json.dumps(value, ensure_ascii=False).encode("utf-8")
    return value


def _require_str(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidKey("expected a base64url string")
    return value


def _b64_int(value: Any) -> int:
    raw = _b64decode(_require_str(value))
    if not raw:
        raise InvalidKey("empty integer")
    return int.from_bytes(raw, "big")


def _b64_field(value: Any, size: int) -> int:
    raw = _b64decode(_require_str(value))
    if len(raw) != size:
        raise InvalidKey("EC coordinates must have the curve's full length")
    return int.from_bytes(raw, "big")
