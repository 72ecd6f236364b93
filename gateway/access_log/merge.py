"""Merging every unit's newest-first page into one, with one cursor for the whole log.

The merged order is (occurred_at, unit rank, position), descending: time first, then the
units in a fixed order for rows of the same instant, then each unit's own order. A cursor is the
last row given out; from it each unit's own cursor follows (`unit_cursor`), so every unit is
asked only for rows after it, and no row is given twice or skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.access_log.schemas import AccessLogEntry
from services.pagination import aware_datetime, decode_cursor, encode_cursor, invalid_cursor

# A unit's positions are identities from 1; these bound them on either side.
BEFORE_ALL = 0
AFTER_ALL = 2**63 - 1


@dataclass(frozen=True)
class MergedCursor:
    """The last row given out: its instant, its unit and its position there."""

    occurred_at: datetime
    unit: str
    position: int

    def encode(self) -> str:
        return encode_cursor([self.occurred_at, self.unit, self.position])

    @classmethod
    def decode(cls, cursor: str, ranks: Mapping[str, int]) -> MergedCursor:
        """Parse a cursor made by `encode` (anything else is a 400)."""
        when, unit, position = decode_cursor(cursor, 3)
        if unit not in ranks:
            raise invalid_cursor()
        try:
            return cls(aware_datetime(when), str(unit), int(position))
        except (TypeError, ValueError) as exc:
            raise invalid_cursor() from exc


def unit_cursor(after: MergedCursor | None, unit: str, ranks: Mapping[str, int]) -> str | None:
    """The unit's own cursor (occurred_at, position) for the rows after `after`."""
    if after is None:
        return None
    mine, theirs = ranks[unit], ranks[after.unit]
    if mine == theirs:
        position = after.position
    elif mine < theirs:
        # Ranked after the cursor's unit: its rows of the same instant are still to come.
        position = AFTER_ALL
    else:
        position = BEFORE_ALL
    return encode_cursor([after.occurred_at, position])


def merge(
    pages: Mapping[str, tuple[Sequence[AccessLogEntry], bool]],
    ranks: Mapping[str, int],
    limit: int,
) -> tuple[list[AccessLogEntry], str | None]:
    """The first `limit` rows of every unit's page (rows, has more) in merged order, and the
    cursor after them if any unit has more."""
    rows = [row for items, _ in pages.values() for row in items]
    rows.sort(key=lambda row: (row.occurred_at, ranks[row.unit], row.position), reverse=True)
    taken = rows[:limit]
    more = len(rows) > limit or any(has_more for _, has_more in pages.values())
    if not more or not taken:
        return taken, None
    last = taken[-1]
    return taken, MergedCursor(last.occurred_at, last.unit, last.position).encode()
