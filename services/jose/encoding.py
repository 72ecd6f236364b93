"""Strict base64url and JSON for JOSE: one accepted encoding per value, no duplicate members."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, Final

from services.jose.errors import InvalidKey, TokenRejected

_B64URL: Final = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url, as JOSE writes it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def check_b64url_shape(segment: str) -> None:
    """Refuse a segment that cannot be base64url at all."""
    if not _B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise TokenRejected("malformed")


def b64url_decode(segment: str) -> bytes:
    """Decode strict, canonical base64url: one byte string has exactly one accepted encoding."""
    check_b64url_shape(segment)
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenRejected("malformed") from exc
    if b64url_encode(data) != segment:
        raise TokenRejected("malformed")
    return data


def media_type(value: Any) -> str | None:
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


def json_object(data: bytes) -> dict[str, Any]:
    """A JSON object with unique member names, no NaN or Infinity, and no lone surrogates."""
    value = json.loads(
        data.decode("utf-8"), object_pairs_hook=_unique_keys, parse_constant=_reject_constant
    )
    if not isinstance(value, dict):
        raise TokenRejected("malformed")
    # Lone surrogates from \\u escapes would blow up later, far from here; refuse them now.
    json.dumps(value, ensure_ascii=False).encode("utf-8")
    return value


def require_str(value: Any) -> str:
    """A key member that must be a string."""
    if not isinstance(value, str):
        raise InvalidKey("expected a base64url string")
    return value


def b64_int(value: Any) -> int:
    """A key member holding an unsigned big-endian integer."""
    raw = b64url_decode(require_str(value))
    if not raw:
        raise InvalidKey("empty integer")
    return int.from_bytes(raw, "big")


def b64_field(value: Any, size: int) -> int:
    """A key member holding an integer of exactly `size` bytes (an EC coordinate)."""
    raw = b64url_decode(require_str(value))
    if len(raw) != size:
        raise InvalidKey("EC coordinates must have the curve's full length")
    return int.from_bytes(raw, "big")
