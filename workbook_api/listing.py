"""Keyset pagination helpers shared by the workbook's list endpoints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from services.errors import ProblemError
from services.pagination import decode_cursor


def aware_datetime(value: Any) -> datetime:
    """Parse a cursor timestamp; it must carry its offset."""
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("naive timestamp")
    return parsed


def uuid_value(value: Any) -> UUID:
    """Parse a cursor id."""
    return UUID(str(value))


def cursor_key(cursor: str | None, *parsers: Callable[[Any], Any]) -> tuple[Any, ...] | None:
    """Decode a cursor into typed sort-key parts; anything malformed is a 400."""
    if cursor is None:
        return None
    raw = decode_cursor(cursor, len(parsers))
    try:
        return tuple(parse(part) for parse, part in zip(parsers, raw, strict=True))
    except (TypeError, ValueError) as exc:
        raise ProblemError(400, "invalid-cursor", "The cursor is not valid.") from exc
