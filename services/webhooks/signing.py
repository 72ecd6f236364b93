"""Subscribers' signing secrets: made here, encrypted at rest, used to sign each delivery.

A secret is `whsec_` + base64 of 32 random bytes (the Standard Webhooks form). It is shown to
the administrator once, when the subscription is created or its secret rotated, and stored
encrypted with Fernet under the unit's webhook keys (`FSM_WEBHOOK_SECRET_KEYS`): a copy of the
database alone signs nothing. Deliveries are signed with the `standardwebhooks` library, with
every secret in force (the new and, during a rotation's overlap, the previous one), so a
receiver holding either verifies them.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from standardwebhooks.webhooks import Webhook

from services.events import STRUCTURED_MEDIA_TYPE
from services.settings import KernelSettings

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks format marker
_DEV_KEY_FILE = "webhook-secrets.key"


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


class SecretBox:
    """Encrypts and decrypts signing secrets with the unit's webhook keys."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("at least one webhook secret key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def seal(self, secret: str) -> bytes:
        """Encrypt a secret for storage."""
        return self._fernet.encrypt(secret.encode("ascii"))

    def open(self, sealed: bytes) -> str:
        """Decrypt a stored secret; a key that no longer opens it is a configuration fault."""
        try:
            return self._fernet.decrypt(sealed).decode("ascii")
        except InvalidToken as exc:
            raise RuntimeError("a webhook secret cannot be decrypted with the keys given") from exc

    @classmethod
    def for_settings(cls, settings: KernelSettings) -> SecretBox:
        """The box of a unit's settings: its configured keys, or a development key."""
        configured = [key.get_secret_value().encode() for key in settings.webhooks.secret_keys]
        if configured:
            return cls(configured)
        if settings.environment == "production":
            raise ValueError("FSM_WEBHOOK_SECRET_KEYS is required in production")
        return cls([_development_key(settings.state_dir)])


def _development_key(state_dir: Path) -> bytes:
    """A key made on first use under the state directory (never outside development/test)."""
    key_dir = state_dir / "keys"
    key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = key_dir / _DEV_KEY_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(Fernet.generate_key())
    log.info("made a development webhook secret key in %s", key_dir)
    return path.read_bytes().strip()


def signature(secrets_in_force: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: one `v1,` signature per secret, space-separated."""
    at = datetime.fromtimestamp(timestamp, tz=UTC)
    text = body.decode("utf-8")
    return " ".join(Webhook(secret).sign(msg_id, at, text) for secret in secrets_in_force)


def signed_headers(
    secrets_in_force: Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The headers of a signed CloudEvents delivery to an external subscriber."""
    return {
        "content-type": STRUCTURED_MEDIA_TYPE,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secrets_in_force, msg_id, timestamp, body),
    }
