"""Calendar months as figures are reported by: `YYYY-MM`, the first day standing for the month."""

from __future__ import annotations

from datetime import date

MAX_MONTHS = 36


def parse_month(text: str) -> date:
    """The first day of a `YYYY-MM` month (the schemas have checked the pattern)."""
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def month_label(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_after(month: date) -> date:
    """The first day of the next month."""
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def months_back(month: date, count: int) -> date:
    """The first day of the month `count` months before."""
    index = month.year * 12 + month.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def month_range(first: date, last: date) -> list[date]:
    """Every month from `first` to `last`, both included."""
    months: list[date] = []
    current = first
    while current <= last:
        months.append(current)
        current = month_after(current)
    return months
