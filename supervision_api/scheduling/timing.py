"""When a case is best discussed: the cost of each session for each case, in working days.

A GCS is welcome from a day some working days before the case is due (`not_before`, or the
due date less `Preferences.lead_working_days`). A session on that day costs nothing; each
working day later, up to the due date, costs `day_cost` (earlier leaves room if the meeting
has to move), and so does each working day earlier (too early shortens the cycle). After the
due date each working day late costs `day_cost` too, below the rule that late is worse than
on time.
"""

from __future__ import annotations

from datetime import date, timedelta

from supervision_api.scheduling.problem import DueCase, Preferences, Problem, Slot


class WorkingDayCount:
    """Working days counted once over the span a problem touches, so that comparing two days
    is a subtraction (the bench asks this a hundred thousand times)."""

    def __init__(self, preferences: Preferences, first: date, last: date) -> None:
        self._first = first
        self._ordinal: list[int] = []
        count = 0
        day = first
        while day <= last:
            if preferences.calendar.is_working_day(day):
                count += 1
            self._ordinal.append(count)
            day += timedelta(days=1)

    def between(self, start: date, end: date) -> int:
        """As `WorkingCalendar.between`: working days after `start` up to `end`."""
        return self._at(end) - self._at(start)

    def _at(self, day: date) -> int:
        return self._ordinal[(day - self._first).days]


class Timing:
    """The cost of each session for each case of one problem."""

    def __init__(self, problem: Problem, preferences: Preferences) -> None:
        self._preferences = preferences
        self._welcome = {case.case_id: self._welcome_day(case) for case in problem.cases}
        self._slot_day = {slot.slot_id: slot.day for slot in problem.slots}
        days = list(self._slot_day.values())
        days += [case.due for case in problem.cases]
        days += list(self._welcome.values())
        days += [problem.window.first_day, problem.window.last_day]
        self._count = WorkingDayCount(preferences, min(days), max(days))

    def _welcome_day(self, case: DueCase) -> date:
        welcome = case.not_before or self._preferences.calendar.add(
            case.due, -self._preferences.lead_working_days
        )
        return min(welcome, case.due)

    def welcome_day(self, case: DueCase) -> date:
        return self._welcome[case.case_id]

    def cost(self, case: DueCase, slot: Slot) -> int:
        day = self._slot_day[slot.slot_id]
        if day > case.due:
            distance = self._count.between(case.due, day)
        else:
            distance = abs(self._count.between(self._welcome[case.case_id], day))
        return distance * self._preferences.day_cost
