"""Keyset pagination: opaque cursors over a stable sort key, capped page sizes."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from services.errors import ProblemError

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    """One page of a list and the cursor for the next, if any."""

    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class PageRequest:
    """What the client asked for: how many, and after which key."""

    limit: int
    after: tuple[Any, ...] | None


def encode_cursor(key: Sequence[Any]) -> str:
    """Turn the last item's sort key into an opaque cursor."""
    raw = json.dumps([str(part) if part is not None else None for part in key]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> tuple[Any, ...]:
    """Parse a cursor made by encode_cursor; anything else is a 400."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError) as exc:
        raise ProblemError(400, "invalid-cursor", "The cursor is not valid.") from exc
    if not isinstance(value, list) or len(value) != arity:
        raise ProblemError(400, "invalid-cursor", "The cursor is not valid.")
    if any(isinstance(part, str) and "\x00" in part for part in value):
        raise ProblemError(400, "invalid-cursor", "The cursor is not valid.")
    return tuple(value)


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=512, description="next_cursor from the previous page")
    ] = None,
) -> tuple[int, str | None]:
    """Read `limit` and `cursor` from the query string."""
    return limit, cursor


def split_page(rows: Sequence[T], limit: int, key: Any) -> tuple[list[T], str | None]:
    """Given up to limit+1 rows, return the page and the cursor after its last row."""
    items = list(rows[:limit])
    if len(rows) > limit and items:
        return items, encode_cursor(key(items[-1]))
    return items, None
