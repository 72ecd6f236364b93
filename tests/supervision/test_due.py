"""Due dates on England's working-day calendar (pure rules, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from supervision_api.cadence.due import Cadence, due_on, due_status


def test_a_new_case_is_due_its_first_gcs_in_working_days_skipping_bank_holidays() -> None:
    # Opened on Thursday 17 April 2025: Good Friday and Easter Monday are bank holidays.
    opened = datetime(2025, 4, 17, 9, tzinfo=UTC)
    assert due_on(Cadence(first_due_working_days=2), opened, None) == date(2025, 4, 23)


def test_a_case_opened_late_on_a_winter_evening_counts_from_its_day_in_england() -> None:
    # 23:30 UTC on 30 March 2025 is 00:30 on 31 March in London (BST began that day).
    opened = datetime(2025, 3, 30, 23, 30, tzinfo=UTC)
    assert due_on(Cadence(first_due_working_days=1), opened, None) == date(2025, 4, 1)


def test_the_next_gcs_is_due_an_interval_after_the_last_one_moved_back_off_a_holiday() -> None:
    opened = datetime(2025, 1, 6, 9, tzinfo=UTC)
    held = datetime(2025, 7, 28, 10, tzinfo=UTC)  # +28 days is Monday 25 August, a bank holiday
    assert due_on(Cadence(interval_days=28), opened, held) == date(2025, 8, 22)


def test_a_gcs_held_before_a_reopening_does_not_count() -> None:
    held = datetime(2025, 1, 6, 9, tzinfo=UTC)
    reopened = datetime(2025, 6, 2, 9, tzinfo=UTC)
    assert due_on(Cadence(first_due_working_days=5), reopened, held) == date(2025, 6, 9)


def test_overdue_due_soon_and_not_due_are_counted_in_working_days() -> None:
    cadence = Cadence(due_soon_working_days=2)
    friday = date(2025, 12, 19)
    # Christmas Day and Boxing Day: Tuesday 23 December is 2 working days after the Friday.
    assert due_status(date(2025, 12, 18), friday, cadence) == "overdue"
    assert due_status(date(2025, 12, 23), friday, cadence) == "due_soon"
    assert due_status(date(2025, 12, 24), friday, cadence) == "not_due"
    assert due_status(friday, friday, cadence) == "due_soon"
