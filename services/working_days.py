"""Working days in England: what statutory and local timescales are counted in.

Children's social care counts many timescales in working days (a referral decision within one
working day, an assessment within 45), and a date a practitioner sees as "due" is a day in
England, not an instant in UTC. So deadlines are dates in Europe/London, counted over Monday to
Friday less England's bank holidays (the `holidays` package, which follows the substitute days
and the one-off holidays proclaimed in a year), plus any closure days a council adds (a
Christmas shutdown, say). Every service counts with this one calendar.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")
# A year of working days is about 253; no timescale counts further than a few years.
MAX_SPAN_DAYS = 366 * 5
_SATURDAY = 5


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def local_date(moment: datetime) -> date:
    """The day in England at `moment` (an aware datetime), across the clocks changing."""
    if moment.tzinfo is None:
        raise ValueError("a moment must carry its time zone")
    return moment.astimezone(LONDON).date()


class WorkingCalendar:
    """England's working days, less a council's own closure days."""

    def __init__(self, closures: Iterable[date] = ()) -> None:
        self._closures = frozenset(closures)

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday, not a bank holiday in England, not a closure day."""
        return (
            day.weekday() < _SATURDAY
            and day not in _bank_holidays(day.year)
            and day not in self._closures
        )

    def add(self, start: date, days: int) -> date:
        """The working day `days` working days after `start` (before it, when negative).

        Counting starts the day after `start`, as "within one working day" does: one working
        day after a Friday is the Monday. Zero is `start` itself, working day or not.
        """
        step = 1 if days >= 0 else -1
        remaining = abs(days)
        day = start
        for _ in range(MAX_SPAN_DAYS):
            if remaining == 0:
                return day
            day += timedelta(days=step)
            if self.is_working_day(day):
                remaining -= 1
        raise ValueError(f"{days} working days is beyond any timescale this calendar counts")

    def between(self, start: date, end: date) -> int:
        """How many working days `end` is after `start`: the inverse of `add`.

        Forwards, the working days after `start` up to and including `end`; backwards, minus
        those from `end` up to but not including `start`. So `between(d, add(d, n)) == n`, and
        a deadline missed by one working day is -1 from the deadline's point of view.
        """
        if abs((end - start).days) > MAX_SPAN_DAYS:
            raise ValueError("the span is beyond any timescale this calendar counts")
        if end < start:
            return -sum(
                1
                for offset in range((start - end).days)
                if self.is_working_day(end + timedelta(days=offset))
            )
        return sum(
            1
            for offset in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=offset))
        )

    def next_working_day(self, day: date) -> date:
        """`day` if it is a working day, else the first working day after it."""
        return day if self.is_working_day(day) else self.add(day, 1)

    def deadline(self, moment: datetime, days: int) -> date:
        """The last day of a timescale of `days` working days that starts at `moment`."""
        return self.add(local_date(moment), days)


ENGLAND = WorkingCalendar()
"""England's working days with no local closures: the default every service counts with."""
