"""When a case is next due its Group Case Supervision, on England's working-day calendar.

A case that has had a GCS is due `interval_days` calendar days after the day it was held; a
case that has not is due `first_due_working_days` working days after the day it opened. A due
date that falls on a weekend or a bank holiday moves back to the working day before it, so the
meeting is never planned later than the cadence asks. Days are days in England (Europe/London).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from services.working_days import ENGLAND, WorkingCalendar, local_date

DueStatus = Literal["overdue", "due_soon", "not_due"]

DEFAULT_INTERVAL_DAYS = 28
DEFAULT_FIRST_DUE_WORKING_DAYS = 10
DEFAULT_DUE_SOON_WORKING_DAYS = 5


@dataclass(frozen=True)
class Cadence:
    """The cadence in force for a case: its own members over its team's over the defaults."""

    interval_days: int = DEFAULT_INTERVAL_DAYS
    first_due_working_days: int = DEFAULT_FIRST_DUE_WORKING_DAYS
    due_soon_working_days: int = DEFAULT_DUE_SOON_WORKING_DAYS


def working_day_on_or_before(day: date, calendar: WorkingCalendar = ENGLAND) -> date:
    """`day` if it is a working day, else the last working day before it."""
    return day if calendar.is_working_day(day) else calendar.add(day, -1)


def due_on(
    cadence: Cadence,
    opened_at: datetime,
    last_gcs_at: datetime | None,
    calendar: WorkingCalendar = ENGLAND,
) -> date:
    """The day by which the case's next GCS must be held."""
    if last_gcs_at is None or last_gcs_at < opened_at:
        # Never discussed in this involvement (a reopened case starts again).
        return calendar.deadline(opened_at, cadence.first_due_working_days)
    held = local_date(last_gcs_at)
    return working_day_on_or_before(held + timedelta(days=cadence.interval_days), calendar)


def due_status(
    due: date, today: date, cadence: Cadence, calendar: WorkingCalendar = ENGLAND
) -> DueStatus:
    """Overdue once the due day has passed; due soon within the window's working days."""
    if due < today:
        return "overdue"
    if calendar.between(today, due) <= cadence.due_soon_working_days:
        return "due_soon"
    return "not_due"
