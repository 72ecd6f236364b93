"""Is a family's early help involvement ready to claim for? A pure rule over a snapshot.

Supporting Families pays for significant and sustained progress on every need a family had.
The rule reads no database: `repository.snapshot` gathers the facts, `evaluate` judges them
against the settings on a given day, so the same facts always give the same answer and the
tests need no database. Each criterion says what is met and, when not, exactly what is missing
(a family missing one SMART target is not ready, and the list names the area).

The sustain period is evaluated on the day asked, never stored: a family becomes ready on the
day its period ends with nothing to recompute, and a relapse recorded inside the period (a new
case for the family, an escalation) makes it not ready at once.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID

from services.working_days import ENGLAND

CriterionCode = Literal[
    "lead_practitioner",
    "whole_family_assessment",
    "smart_targets",
    "review_cadence",
    "outcome_evidence",
    "sustained_progress",
]
CRITERIA: tuple[CriterionCode, ...] = (
    "lead_practitioner",
    "whole_family_assessment",
    "smart_targets",
    "review_cadence",
    "outcome_evidence",
    "sustained_progress",
)
# Progress at a review that counts as the need met.
ACHIEVED = "achieved"


@dataclass(frozen=True)
class TargetFacts:
    """A SMART target of the Family Action Plan."""

    id: UUID
    area: str


@dataclass(frozen=True)
class ReviewFacts:
    """A review: when it was held, what it decided, the progress it recorded per target."""

    held_on: date
    outcome: str
    progress: dict[UUID, str]


@dataclass(frozen=True)
class Snapshot:
    """What the record says about one early help involvement, as of `today`."""

    case_id: UUID
    family_id: UUID
    owning_team_id: UUID
    lead_practitioner_id: UUID | None
    # The latest whole-family assessment's identified headline areas; None before one.
    identified_areas: tuple[str, ...] | None
    targets: tuple[TargetFacts, ...]
    # The day the plan went under way (its first move to `do`); reviews fall due from it.
    plan_started_on: date | None
    reviews: tuple[ReviewFacts, ...]
    closed_on: date | None
    # What happened to the family after closure (a new case, an escalation), with its day.
    relapses: tuple[tuple[date, str], ...]
    today: date


@dataclass(frozen=True)
class Settings:
    """What the rule needs from the council's configuration."""

    review_interval_working_days: int
    sustain_months: int


@dataclass(frozen=True)
class Criterion:
    """One criterion: met, or what is missing."""

    code: CriterionCode
    met: bool
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Readiness:
    """Every criterion, whether all are met, and when the sustain period ends."""

    case_id: UUID
    criteria: tuple[Criterion, ...]
    sustained_until: date | None
    evaluated_on: date

    @property
    def ready(self) -> bool:
        return all(criterion.met for criterion in self.criteria)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _criterion(code: CriterionCode, missing: list[str]) -> Criterion:
    return Criterion(code, not missing, tuple(missing))


def _label(area: str) -> str:
    return area.replace("_", " ")


def _lead(snapshot: Snapshot) -> Criterion:
    missing = [] if snapshot.lead_practitioner_id else ["No lead practitioner for the family."]
    return _criterion("lead_practitioner", missing)


def _assessment(snapshot: Snapshot) -> Criterion:
    if snapshot.identified_areas is None:
        return _criterion("whole_family_assessment", ["No whole-family assessment recorded."])
    if not snapshot.identified_areas:
        return _criterion(
            "whole_family_assessment", ["The assessment identified no headline area of need."]
        )
    return _criterion("whole_family_assessment", [])


def _targets(snapshot: Snapshot) -> Criterion:
    covered = {target.area for target in snapshot.targets}
    missing = [
        f"No SMART target for the identified need in {_label(area)} ({area})."
        for area in snapshot.identified_areas or ()
        if area not in covered
    ]
    if snapshot.identified_areas is None:
        missing.append("No identified needs to set targets against (no assessment).")
    return _criterion("smart_targets", missing)


def _cadence(snapshot: Snapshot, settings: Settings) -> Criterion:
    """Every review held by the day it fell due, and none due and missed before closure."""
    if snapshot.plan_started_on is None:
        return _criterion("review_cadence", ["The Family Action Plan never went under way."])
    interval = settings.review_interval_working_days
    reviews = sorted(snapshot.reviews, key=lambda review: review.held_on)
    if not reviews:
        return _criterion("review_cadence", ["No review of the plan was held."])
    missing: list[str] = []
    due = ENGLAND.add(snapshot.plan_started_on, interval)
    for review in reviews:
        if review.held_on > due:
            late = ENGLAND.between(due, review.held_on)
            missing.append(
                f"The review held on {review.held_on.isoformat()} was {late} working days "
                f"after it fell due on {due.isoformat()}."
            )
        due = ENGLAND.add(review.held_on, interval)
    end = snapshot.closed_on or snapshot.today
    if end > due:
        missing.append(
            f"A review fell due on {due.isoformat()} and none was held before "
            + ("closure." if snapshot.closed_on else "today.")
        )
    return _criterion("review_cadence", missing)


def _latest_progress(snapshot: Snapshot) -> dict[UUID, str]:
    """Each target's progress at the latest review that recorded it."""
    found: dict[UUID, str] = {}
    for review in sorted(snapshot.reviews, key=lambda review: review.held_on):
        found.update(review.progress)
    return found


def _evidence(snapshot: Snapshot) -> Criterion:
    progress = _latest_progress(snapshot)
    missing = [
        f"No review recorded the outcome of the target for {_label(target.area)}."
        for target in snapshot.targets
        if target.id not in progress
    ]
    if not snapshot.targets:
        missing.append("The plan has no targets whose outcomes could be evidenced.")
    return _criterion("outcome_evidence", missing)


def _sustained(snapshot: Snapshot, settings: Settings) -> tuple[Criterion, date | None]:
    if snapshot.closed_on is None:
        return _criterion(
            "sustained_progress", ["Early help with the family has not closed."]
        ), None
    missing: list[str] = []
    reviews = sorted(snapshot.reviews, key=lambda review: review.held_on)
    if not reviews or reviews[-1].outcome != "needs_met":
        missing.append("The last review before closure did not find the family's needs met.")
    progress = _latest_progress(snapshot)
    for target in snapshot.targets:
        if target.id in progress and progress[target.id] != ACHIEVED:
            missing.append(
                f"Progress on {_label(target.area)} was {_label(progress[target.id])}, "
                "not achieved, at the last review."
            )
    until = add_months(snapshot.closed_on, settings.sustain_months)
    for day, what in sorted(snapshot.relapses):
        if snapshot.closed_on <= day <= until:
            missing.append(f"Not sustained: {what} on {day.isoformat()}.")
    if snapshot.today < until:
        missing.append(
            f"Progress must be sustained for {settings.sustain_months} months after closure: "
            f"the period ends on {until.isoformat()}."
        )
    return _criterion("sustained_progress", missing), until


def evaluate(snapshot: Snapshot, settings: Settings) -> Readiness:
    """Judge every criterion for the snapshot on its `today`."""
    sustained, until = _sustained(snapshot, settings)
    return Readiness(
        case_id=snapshot.case_id,
        criteria=(
            _lead(snapshot),
            _assessment(snapshot),
            _targets(snapshot),
            _cadence(snapshot, settings),
            _evidence(snapshot),
            sustained,
        ),
        sustained_until=until,
        evaluated_on=snapshot.today,
    )
