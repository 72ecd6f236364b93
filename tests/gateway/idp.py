"""A test identity provider: an RSA key, its JWKS behind an httpx MockTransport, a token mint.

Tokens are made with PyJWT (and by hand where PyJWT refuses to make something dangerous), so
the gateway's python-jose-based verifier is tested against an independent implementation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt as pyjwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://login.council.example/realms/fsm"
JWKS_URL = "https://login.council.example/realms/fsm/protocol/openid-connect/certs"
AUDIENCE = "fsm-api"

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_ATTACKER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64url(data: bytes) -> str:
    """Base64url without padding, as JWS uses."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def rsa_jwk(public_key: rsa.RSAPublicKey, kid: str) -> dict[str, Any]:
    """The public JWK of an RSA key."""
    data: dict[str, Any] = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    return {**data, "kid": kid, "alg": "RS256", "use": "sig"}


def unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A compact JWS with whatever header and signature the test wants."""
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(claims).encode())
    return f"{head}.{body}.{b64url(signature)}"


def hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    """An HS256 token signed with `secret` (PyJWT refuses a PEM public key as a secret)."""
    head = b64url(json.dumps({**header, "alg": "HS256"}).encode())
    body = b64url(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64url(mac)}"


@dataclass
class TestIdP:
    """The council identity provider as the gateway sees it."""

    kid: str = "council-rsa-1"
    available: bool = True
    fetches: int = 0
    key: rsa.RSAPrivateKey = field(default=_KEY, repr=False)
    attacker_key: rsa.RSAPrivateKey = field(default=_ATTACKER_KEY, repr=False)

    __test__ = False  # not a pytest test class

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [rsa_jwk(self.key.public_key(), self.kid)]}

    @property
    def public_pem(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def transport(self) -> httpx.MockTransport:
        """The JWKS endpoint; answers 503 while `available` is False."""

        def handle(request: httpx.Request) -> httpx.Response:
            self.fetches += 1
            if not self.available or str(request.url) != JWKS_URL:
                return httpx.Response(503)
            return httpx.Response(200, json=self.jwks)

        return httpx.MockTransport(handle)

    def claims(self, subject: str, **overrides: Any) -> dict[str, Any]:
        """Valid claims for `subject`; pass a claim as None to leave it out."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject,
            "iat": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def token(
        self,
        subject: str,
        *,
        algorithm: str = "RS256",
        headers: dict[str, Any] | None = None,
        key: Any = None,
        **claims: Any,
    ) -> str:
        """A token signed by the IdP's key (or `key`), with optional extra header members."""
        return pyjwt.encode(
            self.claims(subject, **claims),
            key if key is not None else self.key,
            algorithm=algorithm,
            headers={"kid": self.kid, **(headers or {})},
        )
