"""England's working days: bank holidays, weekends, closures and the clocks changing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.working_days import ENGLAND, WorkingCalendar, local_date


def test_the_spring_bank_holidays_are_not_working_days() -> None:
    # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
    assert ENGLAND.add(date(2027, 3, 25), 1) == date(2027, 3, 30)
    assert ENGLAND.between(date(2027, 3, 25), date(2027, 3, 30)) == 1
    # The early May and spring bank holidays are the first and last Mondays of May.
    assert not ENGLAND.is_working_day(date(2027, 5, 3))
    assert not ENGLAND.is_working_day(date(2027, 5, 31))
    assert ENGLAND.add(date(2027, 5, 28), 1) == date(2027, 6, 1)


def test_the_summer_bank_holiday_is_the_last_monday_of_august() -> None:
    assert not ENGLAND.is_working_day(date(2026, 8, 31))
    assert ENGLAND.is_working_day(date(2026, 8, 24))
    assert ENGLAND.add(date(2026, 8, 28), 1) == date(2026, 9, 1)


def test_christmas_falling_on_a_weekend_moves_to_substitute_days() -> None:
    # 25 and 26 December 2027 are a Saturday and a Sunday: the 27th and 28th are holidays.
    assert not ENGLAND.is_working_day(date(2027, 12, 27))
    assert not ENGLAND.is_working_day(date(2027, 12, 28))
    assert ENGLAND.add(date(2027, 12, 24), 1) == date(2027, 12, 29)
    # And across the new year: 31 December, then 3 January 2028 after New Year's Day's
    # substitute (1 January 2028 is a Saturday).
    assert ENGLAND.add(date(2027, 12, 29), 3) == date(2028, 1, 4)


def test_one_working_day_after_a_friday_is_the_monday() -> None:
    assert ENGLAND.add(date(2026, 11, 27), 1) == date(2026, 11, 30)
    assert ENGLAND.add(date(2026, 11, 30), -1) == date(2026, 11, 27)
    assert ENGLAND.add(date(2026, 11, 28), 0) == date(2026, 11, 28)
    assert ENGLAND.next_working_day(date(2026, 11, 28)) == date(2026, 11, 30)


def test_the_day_is_england_s_day_across_the_clocks_changing() -> None:
    # The clocks went forward at 01:00 UTC on 29 March 2026 and back at 01:00 UTC on
    # 25 October 2026: 23:30 UTC on 24 October is already the 25th in England (BST).
    assert local_date(datetime(2026, 10, 24, 23, 30, tzinfo=UTC)) == date(2026, 10, 25)
    assert local_date(datetime(2026, 10, 25, 23, 30, tzinfo=UTC)) == date(2026, 10, 25)
    assert local_date(datetime(2026, 3, 28, 23, 30, tzinfo=UTC)) == date(2026, 3, 28)
    assert local_date(datetime(2026, 3, 29, 23, 30, tzinfo=UTC)) == date(2026, 3, 30)
    # A referral at 23:30 UTC on Thursday 22 October 2026 arrives on the Friday in England
    # (BST): one working day from then is Monday 26th; an hour earlier, it is Friday 23rd.
    assert ENGLAND.deadline(datetime(2026, 10, 22, 23, 30, tzinfo=UTC), 1) == date(2026, 10, 26)
    assert ENGLAND.deadline(datetime(2026, 10, 22, 22, 30, tzinfo=UTC), 1) == date(2026, 10, 23)
    with pytest.raises(ValueError, match="time zone"):
        local_date(datetime(2026, 10, 25, 12, 0))


def test_a_council_s_closure_days_are_not_working_days() -> None:
    closing = WorkingCalendar(closures=[date(2026, 12, 29), date(2026, 12, 30)])
    assert ENGLAND.add(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert closing.add(date(2026, 12, 24), 1) == date(2026, 12, 31)


days = st.dates(min_value=date(2025, 1, 1), max_value=date(2029, 12, 31))


@given(start=days, count=st.integers(min_value=-300, max_value=300))
def test_adding_then_counting_gives_back_the_count(start: date, count: int) -> None:
    end = ENGLAND.add(start, count)
    assert ENGLAND.between(start, end) == count
    if count:
        assert ENGLAND.is_working_day(end)


@given(start=days, end=days)
def test_counting_is_bounded_by_calendar_days_and_monotone(start: date, end: date) -> None:
    counted = ENGLAND.between(start, end)
    assert abs(counted) <= abs((end - start).days)
    assert (counted >= 0) == (end >= start) or counted == 0
    later = ENGLAND.between(start, end + timedelta(days=1))
    assert later in (counted, counted + 1)
    week = ENGLAND.between(start, start + timedelta(days=7))
    assert 2 <= week <= 5
