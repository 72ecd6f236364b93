"""Development key material, generated on first run under the state directory and never committed.

Two EC P-256 keys live in `<state_dir>/keys/`: the development identity provider's (it signs the
access tokens `fsm token` mints) and the gateway's internal signing key. Their public JWK sets
are written next to them, so services can read `internal.jwks.json` without the private key.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import json
import os
import stat
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from services.jose import SigningKey, jwk_thumbprint, public_jwk, sign

DEV_ALGORITHM: Final = "ES256"
IDP_KEY_FILE: Final = "dev-idp.pem"
IDP_JWKS_FILE: Final = "dev-idp.jwks.json"
INTERNAL_KEY_FILE: Final = "internal.pem"
INTERNAL_JWKS_FILE: Final = "internal.jwks.json"
_RESERVED_CLAIMS: Final = frozenset({"iss", "aud", "sub", "iat", "exp"})


@dataclass(frozen=True, slots=True)
class DevKeys:
    """The development identity provider key and the gateway's internal signing key."""

    idp_private_pem: bytes = field(repr=False)
    idp_kid: str
    internal_private_pem: bytes = field(repr=False)
    internal_kid: str

    def idp_signing_key(self) -> SigningKey:
        """Return the key `fsm token` signs development access tokens with."""
        return SigningKey.from_pem(self.idp_private_pem, kid=self.idp_kid, algorithm=DEV_ALGORITHM)

    def idp_jwks(self) -> dict[str, Any]:
        """Return the public JWKS the gateway trusts for the development issuer."""
        return _jwks(self.idp_private_pem, self.idp_kid)

    def internal_jwks(self) -> dict[str, Any]:
        """Return the public JWKS services verify internal tokens with."""
        return _jwks(self.internal_private_pem, self.internal_kid)


def ensure_dev_keys(state_dir: Path) -> DevKeys:
    """Create the development keys on first run (idempotent, safe to race) and load them."""
    key_dir = state_dir / "keys"
    key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(key_dir, 0o700)
    for name in (IDP_KEY_FILE, INTERNAL_KEY_FILE):
        if not (key_dir / name).exists():
            _create_exclusively(key_dir / name, _new_private_pem())
    keys = load_dev_keys(state_dir)
    for name, jwks in (
        (IDP_JWKS_FILE, keys.idp_jwks()),
        (INTERNAL_JWKS_FILE, keys.internal_jwks()),
    ):
        _write_if_changed(key_dir / name, (json.dumps(jwks, indent=2) + "\n").encode())
    return keys


def load_dev_keys(state_dir: Path) -> DevKeys:
    """Load existing development keys; raise FileNotFoundError when they were never generated."""
    key_dir = state_dir / "keys"
    idp = _read_private(key_dir / IDP_KEY_FILE)
    internal = _read_private(key_dir / INTERNAL_KEY_FILE)
    return DevKeys(idp, _kid(idp), internal, _kid(internal))


def load_jwks_file(path: Path) -> dict[str, Any]:
    """Read a public JWKS document written by `ensure_dev_keys` (or supplied by deployment)."""
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not a JWKS document")
    return document


def mint_dev_access_token(
    keys: DevKeys,
    *,
    subject: str,
    issuer: str,
    audience: str,
    ttl_seconds: int = 3600,
    extra_claims: Mapping[str, Any] | None = None,
    now: float | None = None,
) -> str:
    """Mint an access token from the development identity provider."""
    if not subject:
        raise ValueError("subject is required")
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    extra = dict(extra_claims or {})
    overridden = _RESERVED_CLAIMS & extra.keys()
    if overridden:
        raise ValueError(f"extra_claims may not set {sorted(overridden)}")
    issued_at = int(time.time() if now is None else now)
    claims = {
        **extra,
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "iat": issued_at,
        "exp": issued_at + ttl_seconds,
        "jti": extra.get("jti", uuid.uuid4().hex),
    }
    return sign(claims, keys.idp_signing_key())


def _new_private_pem() -> bytes:
    private = ec.generate_private_key(ec.SECP256R1())
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _kid(private_pem: bytes) -> str:
    return jwk_thumbprint(public_jwk(private_pem, kid="-", algorithm=DEV_ALGORITHM))


def _jwks(private_pem: bytes, kid: str) -> dict[str, Any]:
    return {"keys": [public_jwk(private_pem, kid=kid, algorithm=DEV_ALGORITHM)]}


def _create_exclusively(path: Path, content: bytes) -> None:
    """Write a 0600 file under `path` unless one is already there (another process won)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        # link() refuses to replace an existing file, so a concurrent first run keeps one key.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _read_private(path: Path) -> bytes:
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(descriptor, "rb") as handle:
        if stat.S_IMODE(os.fstat(handle.fileno()).st_mode) & 0o077:
            os.fchmod(handle.fileno(), 0o600)
        return handle.read()


def _write_if_changed(path: Path, content: bytes) -> None:
    with contextlib.suppress(FileNotFoundError):
        if path.read_bytes() == content:
            return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    os.replace(temporary, path)


def dev_scim_credential(keys: DevKeys) -> str:
    """The development SCIM provisioning credential, derived from the development IdP key.

    Never stored: whoever can read the development keys can mint tokens anyway, and it
    changes with them. Production gateways refuse it, as they refuse development tokens.
    """
    digest = hmac.new(keys.idp_private_pem, b"fsm development scim credential", "sha256")
    return "fsmscim_dev_" + base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
