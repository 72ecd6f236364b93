"""The retention schedule is configuration: every period from `FSM_RETENTION_*`, refused at
start-up when nonsense or shorter than the law or national guidance allows."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.processing.document import build, markdown
from services.retention.rules import schedule_of
from services.settings import KernelSettings


def test_the_periods_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FSM_RETENTION_CHILD_PROTECTION_YEARS", "40")
    monkeypatch.setenv("FSM_RETENTION_LOOKED_AFTER_AGE", "80")
    monkeypatch.setenv("FSM_RETENTION_ADOPTION_YEARS", "110")
    monkeypatch.setenv("FSM_RETENTION_EARLY_HELP_YEARS", "7")
    schedule = schedule_of(KernelSettings())
    assert {kind: rule.years for kind, rule in schedule.items()} == {
        "child_protection": 40,
        "looked_after": 80,
        "adoption": 110,
        "early_help": 7,
    }
    assert schedule["looked_after"].description.startswith("until the looked-after child turns 80")


def test_the_defaults_are_the_statutory_and_guidance_periods() -> None:
    settings = KernelSettings()
    assert (
        settings.retention_child_protection_years,
        settings.retention_looked_after_age,
        settings.retention_adoption_years,
        settings.retention_early_help_years,
    ) == (35, 75, 100, 6)


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("FSM_RETENTION_CHILD_PROTECTION_YEARS", "34", "Working Together"),
        ("FSM_RETENTION_LOOKED_AFTER_AGE", "74", "Care Planning"),
        ("FSM_RETENTION_ADOPTION_YEARS", "99", "reg. 42"),
        ("FSM_RETENTION_EARLY_HELP_YEARS", "0", "greater than or equal to 1"),
        ("FSM_RETENTION_EARLY_HELP_YEARS", "101", "less than or equal to 100"),
        ("FSM_RETENTION_ADOPTION_YEARS", "1000", "less than or equal to 150"),
        ("FSM_RETENTION_CHILD_PROTECTION_YEARS", "-35", "greater than or equal to 1"),
        ("FSM_RETENTION_LOOKED_AFTER_AGE", "seventy-five", "valid integer"),
    ],
)
def test_nonsense_and_too_short_periods_are_refused_at_start_up(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError, match=said):
        KernelSettings()


def test_the_records_of_processing_print_the_configured_schedule() -> None:
    settings = KernelSettings(retention_child_protection_years=50, retention_adoption_years=120)
    document = build([], settings)
    rules = {r["kind"]: r["years"] for r in document["retention_schedule"]}
    assert rules == {"child_protection": 50, "looked_after": 75, "adoption": 120, "early_help": 6}
    assert "| child_protection | 50 years after the case closed |" in markdown(document)
