"""All JOSE in one place: verify and sign compact JWS tokens, parse and publish JWKs.

This is the only package that imports python-jose, so swapping the library touches one place:
`keys` and `signing` build its key objects, `tokens` verifies with them.
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

from services.jose.errors import InvalidKey, TokenRejected
from services.jose.keys import (
    DEFAULT_ALGORITHMS,
    DEFAULT_REQUIRED_CLAIMS,
    EC_ALGORITHMS,
    HMAC_ALGORITHMS,
    RSA_ALGORITHMS,
    SUPPORTED_ALGORITHMS,
    Jwk,
    key_set,
)
from services.jose.signing import SigningKey, jwk_thumbprint, public_jwk, sign
from services.jose.tokens import VerificationPolicy, peek_header, peek_issuer, verify

__all__ = [
    "DEFAULT_ALGORITHMS",
    "DEFAULT_REQUIRED_CLAIMS",
    "EC_ALGORITHMS",
    "HMAC_ALGORITHMS",
    "RSA_ALGORITHMS",
    "SUPPORTED_ALGORITHMS",
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
