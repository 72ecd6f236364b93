"""Keyset pagination: opaque cursors over a stable sort key, capped page sizes.

A list declares its sort key once as a `Keyset` (columns, direction, how each cursor part is
parsed back) and a handler takes `PageQuery`; `Keyset.apply` bounds and orders the query and
`Keyset.page` cuts the rows into a page and the next cursor.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, tuple_
from sqlalchemy.orm import QueryableAttribute

from services.errors import ProblemError, raises

T = TypeVar("T")
Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    """One page of a list and the cursor for the next, if any."""

    items: list[T]
    next_cursor: str | None = None


def invalid_cursor() -> ProblemError:
    """The one answer to a cursor this service did not make."""
    return ProblemError(400, "invalid-cursor", "The cursor is not valid.")


def encode_cursor(key: Sequence[Any]) -> str:
    """Turn the last item's sort key into an opaque cursor."""
    parts = [
        part.isoformat() if isinstance(part, datetime) else None if part is None else str(part)
        for part in key
    ]
    raw = json.dumps(parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> tuple[Any, ...]:
    """Parse a cursor made by encode_cursor; anything else is a 400."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError) as exc:
        raise invalid_cursor() from exc
    if not isinstance(value, list) or len(value) != arity:
        raise invalid_cursor()
    if any(isinstance(part, str) and "\x00" in part for part in value):
        raise invalid_cursor()
    return tuple(value)


def aware_datetime(value: Any) -> datetime:
    """Parse a cursor timestamp; it must carry its offset."""
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError("naive timestamp")
    return parsed


def uuid_value(value: Any) -> UUID:
    """Parse a cursor id."""
    return UUID(str(value))


@dataclass(frozen=True)
class PageRequest:
    """What the client asked for: how many, and after which cursor."""

    limit: int
    cursor: str | None


@raises(400)
async def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=512, description="next_cursor from the previous page")
    ] = None,
) -> PageRequest:
    """Read `limit` and `cursor` from the query string."""
    return PageRequest(limit, cursor)


PageQuery = Annotated[PageRequest, Depends(page_request)]

Column = ColumnElement[Any] | QueryableAttribute[Any]
Parser = Callable[[Any], Any]


class Keyset:
    """A list's sort key: its columns (each with a cursor parser) and its direction."""

    def __init__(self, *columns: tuple[Column, Parser], descending: bool = True) -> None:
        self.columns = [column for column, _ in columns]
        self.parsers = [parser for _, parser in columns]
        self.descending = descending

    def after(self, page: PageRequest) -> tuple[Any, ...] | None:
        """The sort key the page starts after, decoded from its cursor (400 when malformed)."""
        if page.cursor is None:
            return None
        raw = decode_cursor(page.cursor, len(self.parsers))
        try:
            return tuple(parse(part) for parse, part in zip(self.parsers, raw, strict=True))
        except (TypeError, ValueError) as exc:
            raise invalid_cursor() from exc

    def apply(self, query: Q, page: PageRequest, *, descending: bool | None = None) -> Q:
        """Bound the query after the cursor, order it by the key, and fetch one extra row."""
        down = self.descending if descending is None else descending
        after = self.after(page)
        if after is not None:
            key, bound = tuple_(*self.columns), tuple_(*after)
            query = query.where(key < bound if down else key > bound)
        order = [column.desc() if down else column.asc() for column in self.columns]
        return query.order_by(*order).limit(page.limit + 1)

    def page(
        self, rows: Sequence[T], page: PageRequest, key: Callable[[T], Sequence[Any]]
    ) -> tuple[list[T], str | None]:
        """Given up to limit+1 rows, return the page and the cursor after its last row."""
        items = list(rows[: page.limit])
        if len(rows) > page.limit and items:
            return items, encode_cursor(key(items[-1]))
        return items, None


def split_page(rows: Sequence[T], limit: int, key: Any) -> tuple[list[T], str | None]:
    """Given up to limit+1 rows, return the page and the cursor after its last row."""
    items = list(rows[:limit])
    if len(rows) > limit and items:
        return items, encode_cursor(key(items[-1]))
    return items, None


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None, Query(max_length=512, description="next_cursor from the previous page")
    ] = None,
) -> tuple[int, str | None]:
    """Read `limit` and `cursor` from the query string (as a pair; prefer PageQuery)."""
    return limit, cursor
