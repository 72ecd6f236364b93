"""The retention schedule: one rule per kind of record, from the council's configuration.

Every period is a setting (`FSM_RETENTION_*`, services/settings.py); `MINIMUMS` is the least
the law or national guidance allows for each kind, which the settings refuse to go below.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, Protocol

RecordKind = Literal["child_protection", "looked_after", "adoption", "early_help"]
RECORD_KINDS: tuple[RecordKind, ...] = (
    "child_protection",
    "looked_after",
    "adoption",
    "early_help",
)
# The longer rules a case's record can be classified under (a child on it became looked after
# or was adopted); the case's own kind gives its base rule.
ClassificationKind = Literal["looked_after", "adoption"]
CLASSIFICATION_KINDS: tuple[ClassificationKind, ...] = ("looked_after", "adoption")
Basis = Literal["after_closure", "until_age", "after_order_or_closure"]


@dataclass(frozen=True)
class Minimum:
    """The shortest period a council may configure for a kind, and where it comes from."""

    years: int
    source: str


# Where each number comes from. Looked-after and adoption periods are statute; child
# protection's is national guidance; early help has no national minimum (a council's policy).
MINIMUMS: Final[dict[RecordKind, Minimum]] = {
    # Working Together to Safeguard Children expects agencies to keep child protection records
    # under a retention policy; the IRMS Retention Guidelines for Local Authorities (the IRMS
    # toolkit) put the period at 35 years after the case closed.
    "child_protection": Minimum(35, "Working Together to Safeguard Children / the IRMS toolkit"),
    # The Care Planning, Placement and Case Review (England) Regulations 2010, reg. 50: a
    # looked-after child's case record is kept until their 75th birthday (or 15 years after
    # their death if they die before 18; dates of death are not recorded here, so the 75th
    # birthday, always the later day, is used).
    "looked_after": Minimum(75, "the Care Planning, Placement and Case Review Regulations 2010"),
    # The Adoption Agencies Regulations 2005, reg. 42: an adoption case record is kept for at
    # least 100 years from the date of the adoption order.
    "adoption": Minimum(100, "the Adoption Agencies Regulations 2005 reg. 42"),
    # No statute or national guidance sets one; the council decides (the IRMS toolkit leaves
    # early help records to local policy). One year is the least that is not nonsense.
    "early_help": Minimum(1, "no statutory period; the council's own policy"),
}
DEFAULT_YEARS: Final[dict[RecordKind, int]] = {
    "child_protection": 35,
    "looked_after": 75,
    "adoption": 100,
    "early_help": 6,
}


class RetentionPeriods(Protocol):
    """The four configured periods (KernelSettings has them)."""

    @property
    def retention_child_protection_years(self) -> int: ...
    @property
    def retention_looked_after_age(self) -> int: ...
    @property
    def retention_adoption_years(self) -> int: ...
    @property
    def retention_early_help_years(self) -> int: ...


def add_years(day: date, years: int) -> date:
    """The same calendar day `years` later (29 February becomes 28 February), as PostgreSQL's
    `day + make_interval(years)` does."""
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

    def due_on(
        self,
        *,
        closed_on: date | None,
        youngest_born_on: date | None,
        effective_on: date | None = None,
    ) -> date | None:
        """The day the record falls due for review, or None while it cannot (an open case, a
        child whose birth date is not recorded). `youngest_born_on` is the birth day of the
        child an age rule counts to; `effective_on` the adoption order's day."""
        if closed_on is None:
            return None
        if self.basis == "after_closure":
            return add_years(closed_on, self.years)
        if self.basis == "after_order_or_closure":
            start = closed_on if effective_on is None else max(closed_on, effective_on)
            return add_years(start, self.years)
        if youngest_born_on is None:
            return None
        # Never before closure: a record of a care leaver closed late is kept past closure.
        return max(add_years(youngest_born_on, self.years), closed_on)


def retention_schedule(
    *,
    child_protection_years: int = DEFAULT_YEARS["child_protection"],
    looked_after_age: int = DEFAULT_YEARS["looked_after"],
    adoption_years: int = DEFAULT_YEARS["adoption"],
    early_help_years: int = DEFAULT_YEARS["early_help"],
) -> dict[RecordKind, RetentionRule]:
    """Every kind's rule, from the configured periods."""
    rules = (
        RetentionRule(
            "child_protection",
            "after_closure",
            child_protection_years,
            f"{child_protection_years} years after the case closed",
        ),
        RetentionRule(
            "looked_after",
            "until_age",
            looked_after_age,
            f"until the looked-after child turns {looked_after_age} (never before the case closed)",
        ),
        RetentionRule(
            "adoption",
            "after_order_or_closure",
            adoption_years,
            f"{adoption_years} years from the adoption order or the case's closure, whichever"
            " is later",
        ),
        RetentionRule(
            "early_help",
            "after_closure",
            early_help_years,
            f"{early_help_years} years after the case closed (the council's setting)",
        ),
    )
    return {rule.kind: rule for rule in rules}


def schedule_of(periods: RetentionPeriods) -> dict[RecordKind, RetentionRule]:
    """The schedule as this council configured it."""
    return retention_schedule(
        child_protection_years=periods.retention_child_protection_years,
        looked_after_age=periods.retention_looked_after_age,
        adoption_years=periods.retention_adoption_years,
        early_help_years=periods.retention_early_help_years,
    )


def below_minimum(periods: RetentionPeriods) -> list[str]:
    """What is configured shorter than the law or guidance allows (empty when nothing is)."""
    configured: dict[RecordKind, int] = {
        "child_protection": periods.retention_child_protection_years,
        "looked_after": periods.retention_looked_after_age,
        "adoption": periods.retention_adoption_years,
        "early_help": periods.retention_early_help_years,
    }
    return [
        f"{kind}: {years} is shorter than the {MINIMUMS[kind].years} years of"
        f" {MINIMUMS[kind].source}"
        for kind, years in configured.items()
        if years < MINIMUMS[kind].years
    ]


@dataclass(frozen=True)
class Classification:
    """A standing classification of a case's record, as the due day needs it."""

    kind: ClassificationKind
    born_on: date | None
    effective_on: date


# When two rules give the same day, the classification names the reason the record is kept.
_PRECEDENCE: Final[dict[RecordKind, int]] = {"adoption": 2, "looked_after": 1}


def case_due_on(
    schedule: dict[RecordKind, RetentionRule],
    base: RecordKind,
    closed_on: date | None,
    classifications: Iterable[Classification],
) -> tuple[RetentionRule, date | None]:
    """The rule that keeps a case longest and its day: the latest of the case's own rule and
    every standing classification's. None while open, or while a looked-after child's birth
    date is unknown (then nobody can say the record may go)."""
    candidates = [
        (schedule[base], schedule[base].due_on(closed_on=closed_on, youngest_born_on=None))
    ]
    for c in classifications:
        rule = schedule[c.kind]
        day = rule.due_on(
            closed_on=closed_on, youngest_born_on=c.born_on, effective_on=c.effective_on
        )
        candidates.append((rule, day))
    governing = max(candidates, key=lambda rc: _PRECEDENCE.get(rc[0].kind, 0))[0]
    if closed_on is None:
        return governing, None
    unknown = [rule for rule, day in candidates if day is None]
    if unknown:
        return unknown[0], None
    return max(candidates, key=lambda rc: (rc[1] or closed_on, _PRECEDENCE.get(rc[0].kind, 0)))
