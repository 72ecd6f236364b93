"""A case's due day in SQL, the same computation as `services.retention.rules.case_due_on`.

The due list filters on it in the database, so a page holds only due cases and the keyset
(closure time, id) pages correctly; tests/workbook/test_retention_due_day.py checks it agrees
with the Python rule day by day, 29 February included. PostgreSQL's `day + make_interval(years)`
turns 29 February into 28 February, as `add_years` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, and_, case, cast, exists, func, select
from sqlalchemy.sql.elements import ColumnElement

from services.event_contracts import EARLY_HELP, FAMILY_SAFEGUARDING
from services.retention.rules import RecordKind, RetentionRule
from services.working_days import LONDON
from workbook_api.cases.models import Case
from workbook_api.families.models import Person
from workbook_api.retention.models import classifications

# Which rule keeps each kind of workbook case (its base rule; classifications lengthen it).
RECORD_KIND_OF_CASE: dict[str, RecordKind] = {
    FAMILY_SAFEGUARDING: "child_protection",
    EARLY_HELP: "early_help",
}


def closed_on() -> ColumnElement[Any]:
    """The day (in England) a case closed."""
    return func.date(func.timezone(str(LONDON), Case.closed_at))


def plus_years(day: Any, years: int) -> ColumnElement[Any]:
    return cast(day + func.make_interval(years), Date)


def standing(kind: str) -> ColumnElement[bool]:
    """A classification of the case in hand, of this kind, not withdrawn."""
    return and_(
        classifications.c.case_id == Case.id,
        classifications.c.kind == kind,
        classifications.c.withdrawn_at.is_(None),
    )


@dataclass(frozen=True)
class DueDayColumns:
    """The case's due day and the days its classifications give (None where it has none)."""

    due_on: ColumnElement[Any]
    looked_after_on: ColumnElement[Any]
    adoption_on: ColumnElement[Any]


def due_day_columns(schedule: dict[RecordKind, RetentionRule]) -> DueDayColumns:
    """Expressions over `Case` (correlated to the query's case row)."""
    closed = closed_on()
    base = case(
        *(
            (Case.kind == case_kind, plus_years(closed, schedule[kind].years))
            for case_kind, kind in RECORD_KIND_OF_CASE.items()
        ),
        else_=None,
    )
    born = Person.date_of_birth
    looked_after = (
        select(func.max(func.greatest(plus_years(born, schedule["looked_after"].years), closed)))
        .select_from(classifications.join(Person, Person.id == classifications.c.person_id))
        .where(standing("looked_after"))
        .scalar_subquery()
    )
    adoption = (
        select(
            func.max(
                plus_years(
                    func.greatest(classifications.c.effective_on, closed),
                    schedule["adoption"].years,
                )
            )
        )
        .where(standing("adoption"))
        .scalar_subquery()
    )
    # GREATEST skips NULLs, so a looked-after child without a birth date is caught first:
    # then no day can be worked out and the case is never due (nothing is destroyed early).
    unknown_birth = exists(
        select(classifications.c.id)
        .select_from(classifications.join(Person, Person.id == classifications.c.person_id))
        .where(standing("looked_after"), born.is_(None))
    )
    due = case(
        (Case.closed_at.is_(None), None),
        (base.is_(None), None),
        (unknown_birth, None),
        else_=func.greatest(base, looked_after, adoption),
    )
    return DueDayColumns(due, looked_after, adoption)
