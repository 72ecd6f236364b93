"""The retention schedule: one rule per kind of record, from the council's configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

RecordKind = Literal["child_protection", "looked_after", "adoption", "early_help"]
RECORD_KINDS: tuple[RecordKind, ...] = (
    "child_protection",
    "looked_after",
    "adoption",
    "early_help",
)
Basis = Literal["after_closure", "until_age"]


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class RetentionRule:
    """How long one kind of record is kept, and on what it counts from."""

    kind: RecordKind
    basis: Basis
    years: int
    description: str

    def due_on(self, *, closed_on: date | None, youngest_born_on: date | None) -> date | None:
        """The day the record falls due for review, or None while it cannot (an open case, a
        child whose birth date is not recorded)."""
        if closed_on is None:
            return None
        if self.basis == "after_closure":
            return add_years(closed_on, self.years)
        if youngest_born_on is None:
            return None
        # Never before closure: a record of a care leaver closed late is kept past closure.
        return max(add_years(youngest_born_on, self.years), closed_on)


def retention_schedule(early_help_years: int) -> dict[RecordKind, RetentionRule]:
    """Every kind's rule; early help's length is the council's own setting."""
    rules = (
        RetentionRule("child_protection", "after_closure", 35, "35 years after the case closed"),
        RetentionRule("looked_after", "until_age", 75, "until the youngest child's 75th birthday"),
        RetentionRule("adoption", "after_closure", 100, "100 years after the case closed"),
        RetentionRule(
            "early_help",
            "after_closure",
            early_help_years,
            f"{early_help_years} years after the case closed (the council's setting)",
        ),
    )
    return {rule.kind: rule for rule in rules}
