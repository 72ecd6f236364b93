"""A team's recurring slots as dated sessions: working days only, Europe/London wall times."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

from services.working_days import ENGLAND
from supervision_api.schedule.sessions import SlotRule, expand


def rule(weekday: int, **changes: object) -> SlotRule:
    values: dict[str, object] = {
        "slot_id": uuid.uuid4(),
        "weekday": weekday,
        "starts_at": time(10),
        "duration_minutes": 90,
        "place": "Room 1",
        "capacity": 4,
        "valid_from": date(2026, 1, 1),
        "valid_to": None,
    }
    values.update(changes)
    return SlotRule(**values)  # type: ignore[arg-type]


def test_a_monday_slot_skips_the_spring_bank_holiday() -> None:
    sessions = expand([rule(0)], date(2026, 5, 18), date(2026, 6, 1))
    assert [s.day for s in sessions] == [date(2026, 5, 18), date(2026, 6, 1)]
    assert not ENGLAND.is_working_day(date(2026, 5, 25))


def test_christmas_and_its_substitute_boxing_day_have_no_session() -> None:
    # 2026: Christmas Day is a Friday; Boxing Day falls on Saturday, so Monday 28th is off.
    sessions = expand([rule(0), rule(4)], date(2026, 12, 21), date(2027, 1, 8))
    assert [s.day for s in sessions] == [
        date(2026, 12, 21),
        date(2027, 1, 4),
        date(2027, 1, 8),
    ]


def test_ten_oclock_stays_ten_oclock_in_england_across_the_october_clock_change() -> None:
    # The clocks go back on Sunday 25 October 2026.
    sessions = expand([rule(1)], date(2026, 10, 19), date(2026, 11, 1))
    assert [s.starts_at for s in sessions] == [
        datetime(2026, 10, 20, 9, tzinfo=UTC),  # 10:00 BST
        datetime(2026, 10, 27, 10, tzinfo=UTC),  # 10:00 GMT
    ]
    assert all((s.ends_at - s.starts_at).total_seconds() == 90 * 60 for s in sessions)


def test_a_slot_offers_sessions_only_while_it_is_in_force() -> None:
    limited = rule(2, valid_from=date(2026, 3, 11), valid_to=date(2026, 3, 25))
    sessions = expand([limited], date(2026, 3, 1), date(2026, 4, 30))
    assert [s.day for s in sessions] == [date(2026, 3, 11), date(2026, 3, 18), date(2026, 3, 25)]
    assert sessions[0].key == f"{limited.slot_id}:2026-03-11"


def test_sessions_of_several_slots_come_in_time_order() -> None:
    late, early = rule(0, starts_at=time(14)), rule(0, starts_at=time(9, 30))
    sessions = expand([late, early], date(2026, 6, 8), date(2026, 6, 8))
    assert [s.slot_id for s in sessions] == [early.slot_id, late.slot_id]
