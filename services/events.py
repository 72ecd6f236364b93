"""CloudEvents 1.0 envelopes and Standard Webhooks signatures, shared by sender and receiver."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

STRUCTURED_MEDIA_TYPE = "application/cloudevents+json"
SIGNATURE_VERSION = "v1"
# Standard Webhooks secrets are "whsec_" + base64 of the key; other secrets are used as UTF-8.
_STANDARD_SECRET_PREFIX = "whsec_"  # noqa: S105 - a format marker, not a secret

# CloudEvents extension attribute names: lower-case letters and digits only.
TEAM_EXTENSION = "fsmteamid"
# W3C Trace Context version 00, as the CloudEvents distributed-tracing extension carries it.
_TRACEPARENT = re.compile(r"^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$")


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event in structured JSON mode, as the relay sends it."""

    # Unknown extension attributes from other producers are tolerated, as the spec asks.
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    specversion: Literal["1.0"]
    id: UUID
    source: str = Field(min_length=1, max_length=512)
    type: str = Field(min_length=1, max_length=255)
    subject: str | None = Field(default=None, max_length=512)
    time: datetime
    datacontenttype: Literal["application/json"] = "application/json"
    data: dict[str, Any]
    team_id: UUID | None = Field(default=None, alias=TEAM_EXTENSION)
    # Distributed-tracing extension: the trace of the request that wrote the event.
    traceparent: str | None = None

    @field_validator("traceparent", mode="before")
    @classmethod
    def _well_formed_traceparent(cls, value: Any) -> str | None:
        # Tracing is advisory: a malformed value is dropped, never a reason to refuse an event.
        if isinstance(value, str) and _TRACEPARENT.match(value):
            return value
        return None

    def to_json_bytes(self) -> bytes:
        """Serialise in structured mode; the bytes sent are exactly the bytes signed."""
        return self.model_dump_json(by_alias=True, exclude_none=True).encode("utf-8")


def secret_key(secret: SecretStr | str | bytes) -> bytes:
    """The HMAC key for a subscriber secret (Standard Webhooks `whsec_` form or plain text)."""
    if isinstance(secret, bytes):
        return secret
    raw = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    if raw.startswith(_STANDARD_SECRET_PREFIX):
        try:
            return base64.b64decode(raw[len(_STANDARD_SECRET_PREFIX) :], validate=True)
        except binascii.Error as exc:
            raise ValueError("a whsec_ secret must be base64") from exc
    return raw.encode("utf-8")


def sign(secret: SecretStr | str | bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return the `webhook-signature` value: "v1," + base64 HMAC-SHA256 of id.timestamp.body."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def webhook_headers(
    secret: SecretStr | str | bytes, msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The headers that accompany a signed delivery."""
    return {
        "content-type": STRUCTURED_MEDIA_TYPE,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }
