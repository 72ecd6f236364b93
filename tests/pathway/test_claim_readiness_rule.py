"""The claim readiness rule on snapshots, without a database."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

from pathway_api.claims.readiness.rule import (
    CRITERIA,
    ReviewFacts,
    Settings,
    Snapshot,
    TargetFacts,
    add_months,
    evaluate,
)
from services.working_days import ENGLAND

SETTINGS = Settings(review_interval_working_days=30, sustain_months=6)
EDUCATION, HOUSING = TargetFacts(uuid.uuid4(), "education"), TargetFacts(uuid.uuid4(), "housing")
STARTED = date(2025, 1, 6)
REVIEWED = ENGLAND.add(STARTED, 25)
CLOSED = REVIEWED


def ready_snapshot(**changes: object) -> Snapshot:
    """A family that met everything: closed a year before `today`."""
    snapshot = Snapshot(
        case_id=uuid.uuid4(),
        family_id=uuid.uuid4(),
        owning_team_id=uuid.uuid4(),
        lead_practitioner_id=uuid.uuid4(),
        identified_areas=("education", "housing"),
        targets=(EDUCATION, HOUSING),
        plan_started_on=STARTED,
        reviews=(
            ReviewFacts(REVIEWED, "needs_met", {EDUCATION.id: "achieved", HOUSING.id: "achieved"}),
        ),
        closed_on=CLOSED,
        relapses=(),
        today=add_months(CLOSED, 12),
    )
    return replace(snapshot, **changes)  # type: ignore[arg-type]


def missing(snapshot: Snapshot, code: str) -> list[str]:
    [criterion] = [c for c in evaluate(snapshot, SETTINGS).criteria if c.code == code]
    return list(criterion.missing)


def test_a_family_that_met_every_criterion_is_ready() -> None:
    verdict = evaluate(ready_snapshot(), SETTINGS)
    assert [c.code for c in verdict.criteria] == list(CRITERIA)
    assert all(c.met and not c.missing for c in verdict.criteria)
    assert verdict.ready
    assert verdict.sustained_until == add_months(CLOSED, 6)


def test_a_family_missing_one_smart_target_is_not_ready_and_the_area_is_named() -> None:
    snapshot = ready_snapshot(
        targets=(EDUCATION,),
        reviews=(ReviewFacts(REVIEWED, "needs_met", {EDUCATION.id: "achieved"}),),
    )
    verdict = evaluate(snapshot, SETTINGS)
    assert not verdict.ready
    assert [c.code for c in verdict.criteria if not c.met] == ["smart_targets"]
    assert missing(snapshot, "smart_targets") == [
        "No SMART target for the identified need in housing (housing)."
    ]


def test_no_lead_practitioner() -> None:
    assert missing(ready_snapshot(lead_practitioner_id=None), "lead_practitioner") == [
        "No lead practitioner for the family."
    ]


def test_no_assessment_misses_the_assessment_and_the_targets() -> None:
    snapshot = ready_snapshot(identified_areas=None)
    assert missing(snapshot, "whole_family_assessment") == ["No whole-family assessment recorded."]
    assert not evaluate(snapshot, SETTINGS).ready


def test_a_late_review_breaks_the_cadence() -> None:
    late = ENGLAND.add(STARTED, 33)
    snapshot = ready_snapshot(
        reviews=(
            ReviewFacts(late, "needs_met", {EDUCATION.id: "achieved", HOUSING.id: "achieved"}),
        ),
        closed_on=late,
        today=add_months(late, 7),
    )
    due = ENGLAND.add(STARTED, 30)
    assert missing(snapshot, "review_cadence") == [
        f"The review held on {late.isoformat()} was 3 working days after it fell due on "
        f"{due.isoformat()}."
    ]


def test_closing_long_after_the_last_review_breaks_the_cadence() -> None:
    closed = ENGLAND.add(REVIEWED, 40)
    snapshot = ready_snapshot(closed_on=closed, today=add_months(closed, 7))
    assert missing(snapshot, "review_cadence") == [
        f"A review fell due on {ENGLAND.add(REVIEWED, 30).isoformat()} and none was held "
        "before closure."
    ]


def test_a_target_without_a_recorded_outcome_lacks_evidence() -> None:
    snapshot = ready_snapshot(
        reviews=(ReviewFacts(REVIEWED, "needs_met", {EDUCATION.id: "achieved"}),)
    )
    assert missing(snapshot, "outcome_evidence") == [
        "No review recorded the outcome of the target for housing."
    ]


def test_progress_must_be_achieved_and_the_needs_met() -> None:
    snapshot = ready_snapshot(
        reviews=(
            ReviewFacts(REVIEWED, "continue", {EDUCATION.id: "achieved", HOUSING.id: "on_track"}),
        )
    )
    assert missing(snapshot, "sustained_progress") == [
        "The last review before closure did not find the family's needs met.",
        "Progress on housing was on track, not achieved, at the last review.",
    ]


def test_the_sustain_period_is_evaluated_on_the_day_asked() -> None:
    until = add_months(CLOSED, 6)
    before = ready_snapshot(today=date.fromordinal(until.toordinal() - 1))
    assert missing(before, "sustained_progress") == [
        f"Progress must be sustained for 6 months after closure: the period ends on "
        f"{until.isoformat()}."
    ]
    assert evaluate(ready_snapshot(today=until), SETTINGS).ready
    # A council that asks for twelve months.
    longer = Settings(review_interval_working_days=30, sustain_months=12)
    assert not evaluate(ready_snapshot(today=until), longer).ready


def test_a_relapse_inside_the_period_is_not_sustained() -> None:
    relapse = add_months(CLOSED, 2)
    snapshot = ready_snapshot(relapses=((relapse, "a Family Safeguarding case opened"),))
    assert missing(snapshot, "sustained_progress") == [
        f"Not sustained: a Family Safeguarding case opened on {relapse.isoformat()}."
    ]
    # After the period, a new need is a new story: the claim stands.
    later = ready_snapshot(relapses=((add_months(CLOSED, 8), "escalated"),))
    assert evaluate(later, SETTINGS).ready


def test_an_open_involvement_is_not_ready() -> None:
    verdict = evaluate(ready_snapshot(closed_on=None, today=REVIEWED), SETTINGS)
    assert not verdict.ready
    assert verdict.sustained_until is None
    assert missing(ready_snapshot(closed_on=None), "sustained_progress") == [
        "Early help with the family has not closed."
    ]


def test_months_are_added_to_the_last_day_of_short_months() -> None:
    assert add_months(date(2025, 8, 31), 6) == date(2026, 2, 28)
    assert add_months(date(2025, 11, 15), 3) == date(2026, 2, 15)
