"""Merging every unit's page (gateway/access_log/merge.py): rows of one instant in several
units are given once each, in a fixed order, across pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from gateway.access_log.merge import MergedCursor, merge, unit_cursor
from services.access_log.schemas import AccessLogEntry
from services.pagination import decode_cursor

RANKS = {"gateway": 0, "workbook": 1, "supervision": 2}
NOON = datetime(2026, 11, 30, 12, tzinfo=UTC)


def row(unit: str, position: int, at: datetime) -> AccessLogEntry:
    return AccessLogEntry(
        unit=unit,
        id=uuid.uuid4(),
        position=position,
        occurred_at=at,
        actor_subject="test",
        actor_practitioner_id=None,
        action="read",
        resource_type="case",
        resource_id=None,
        case_id=None,
        purpose="direct_work",
        outcome="success",
        request_id="r",
        details={},
        sealed=False,
    )


def test_rows_of_one_instant_page_through_every_unit_once() -> None:
    log = {
        "gateway": [row("gateway", 7, NOON)],
        "workbook": [row("workbook", 9, NOON), row("workbook", 8, NOON)],
        "supervision": [row("supervision", 3, NOON), row("supervision", 2, NOON - timedelta(1))],
    }

    def unit_rows_after(unit: str, cursor: str | None) -> list[AccessLogEntry]:
        rows = log[unit]
        if cursor is None:
            return rows
        at, position = decode_cursor(cursor, 2)
        bound = (datetime.fromisoformat(at), int(position))
        return [r for r in rows if (r.occurred_at, r.position) < bound]

    given: list[tuple[str, int]] = []
    after: MergedCursor | None = None
    while True:
        pages = {}
        for unit in log:
            rows = unit_rows_after(unit, unit_cursor(after, unit, RANKS))
            pages[unit] = (rows[:2], len(rows) > 2)
        taken, cursor = merge(pages, RANKS, 2)
        given += [(r.unit, r.position) for r in taken]
        if cursor is None:
            break
        after = MergedCursor.decode(cursor, RANKS)

    assert given == [
        ("supervision", 3),
        ("workbook", 9),
        ("workbook", 8),
        ("gateway", 7),
        ("supervision", 2),
    ]
