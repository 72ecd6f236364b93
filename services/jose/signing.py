"""Signing with our own private keys, and publishing their public halves."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose.backends.base import Key
from jose.backends.cryptography_backend import (
    CryptographyECKey,
    CryptographyRSAKey,
)
from jose.jws import sign as _jose_sign

from services.jose.encoding import b64url_encode
from services.jose.errors import InvalidKey
from services.jose.keys import (
    _CURVE_FOR_ALG,
    _CURVE_NAMES,
    _MIN_RSA_BITS,
    EC_ALGORITHMS,
    RSA_ALGORITHMS,
)


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
    return b64url_encode(hashlib.sha256(canonical.encode("utf-8")).digest())
