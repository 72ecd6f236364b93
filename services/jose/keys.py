"""Published verification keys: JWKs validated member by member, and JWKS documents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose.backends.base import Key
from jose.backends.cryptography_backend import (
    CryptographyECKey,
    CryptographyHMACKey,
    CryptographyRSAKey,
)

from services.jose.encoding import b64_field, b64_int, b64url_decode, require_str
from services.jose.errors import InvalidKey, TokenRejected

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
_PRIVATE_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth"})


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
            n, e = b64_int(data.get("n")), b64_int(data.get("e"))
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
            x, y = b64_field(data.get("x"), size), b64_field(data.get("y"), size)
            # Raises ValueError when the point is not on the curve (invalid-curve attacks).
            point = ec.EllipticCurvePublicNumbers(x, y, curve).public_key()
            return cls(kid, kty, alg, crv, point)
        secret = b64url_decode(require_str(data.get("k")))
        if len(secret) < _MIN_HMAC_BYTES:
            raise InvalidKey(f"HMAC secrets must be at least {_MIN_HMAC_BYTES} bytes")
        return cls(kid, kty, alg, None, secret)

    def verifier(self, alg: str) -> Key:
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
