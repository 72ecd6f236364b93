"""The due day in SQL (workbook_api/retention/due_day.py, which the due list filters on) agrees
with the Python rule (`case_due_on`, which reviews and destruction use), whatever the dates,
29 February included, and whatever periods the council configured."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.event_contracts import EARLY_HELP, FAMILY_SAFEGUARDING
from services.retention.rules import (
    Classification,
    ClassificationKind,
    RecordKind,
    RetentionRule,
    case_due_on,
    retention_schedule,
)
from services.settings import async_database_url
from services.working_days import LONDON
from workbook_api.cases.models import Case
from workbook_api.families.models import Family, Person
from workbook_api.retention.due_day import RECORD_KIND_OF_CASE, due_day_columns
from workbook_api.retention.models import classifications

LEAP_DAYS = st.sampled_from([date(year, 2, 29) for year in range(1904, 2100, 4)])
DAYS = st.one_of(LEAP_DAYS, st.dates(date(1900, 1, 1), date(2100, 12, 31)))


@dataclass(frozen=True)
class Classified:
    kind: ClassificationKind
    born_on: date | None
    effective_on: date


@dataclass(frozen=True)
class CaseShape:
    case_kind: str
    closed_on: date | None
    classified: tuple[Classified, ...]


classified = st.builds(
    Classified,
    kind=st.sampled_from(["looked_after", "adoption"]),
    born_on=st.one_of(st.none(), DAYS),
    effective_on=DAYS,
)
shapes = st.builds(
    CaseShape,
    case_kind=st.sampled_from([FAMILY_SAFEGUARDING, EARLY_HELP]),
    closed_on=st.one_of(st.none(), DAYS, DAYS),
    classified=st.lists(classified, max_size=3).map(tuple),
)
schedules = st.builds(
    retention_schedule,
    child_protection_years=st.integers(35, 150),
    looked_after_age=st.integers(75, 150),
    adoption_years=st.integers(100, 150),
    early_help_years=st.integers(1, 100),
)


@pytest.fixture(scope="module")
def database(database_url: str) -> Iterator[tuple[asyncio.Runner, AsyncEngine]]:
    # A loop of its own: Hypothesis calls the test synchronously, once per example.
    with asyncio.Runner(loop_factory=asyncio.new_event_loop) as runner:
        engine = create_async_engine(async_database_url(database_url))
        yield runner, engine
        runner.run(engine.dispose())


async def sql_due_on(
    engine: AsyncEngine, schedule: dict[RecordKind, RetentionRule], shape: CaseShape
) -> Any:
    """Store the case as described, read its due day from SQL, and store nothing."""
    family_id, case_id, team, who = (uuid.uuid4() for _ in range(4))
    async with engine.connect() as connection:
        transaction = await connection.begin()
        await connection.execute(
            insert(Family).values(
                id=family_id,
                name="Due day",
                owning_team_id=team,
                created_by_practitioner_id=who,
                version=1,
            )
        )
        closed_at = (
            None if shape.closed_on is None else datetime.combine(shape.closed_on, time(12), LONDON)
        )
        await connection.execute(
            insert(Case).values(
                id=case_id,
                family_id=family_id,
                owning_team_id=team,
                status="open" if closed_at is None else "closed",
                kind=shape.case_kind,
                opened_at=datetime(1899, 1, 1, tzinfo=LONDON),
                opened_reason="Due day",
                opened_by_practitioner_id=who,
                closed_at=closed_at,
                closed_reason=None if closed_at is None else "Due day",
                version=1,
            )
        )
        for c in shape.classified:
            person_id = uuid.uuid4()
            await connection.execute(
                insert(Person).values(
                    id=person_id,
                    family_id=family_id,
                    role="child",
                    given_name="Due",
                    family_name="Day",
                    date_of_birth=c.born_on,
                    version=1,
                )
            )
            await connection.execute(
                insert(classifications).values(
                    id=uuid.uuid4(),
                    case_id=case_id,
                    person_id=person_id,
                    kind=c.kind,
                    effective_on=c.effective_on,
                    reason="Due day",
                    recorded_by=who,
                    recorded_by_name="Due day",
                )
            )
        query = select(due_day_columns(schedule).due_on).where(Case.id == case_id)
        due = (await connection.execute(query)).scalar_one()
        await transaction.rollback()
    return due


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(schedule=schedules, shape=shapes)
def test_sql_and_python_agree_on_the_due_day(
    database: tuple[asyncio.Runner, AsyncEngine],
    schedule: dict[RecordKind, RetentionRule],
    shape: CaseShape,
) -> None:
    runner, engine = database
    standing = [Classification(c.kind, c.born_on, c.effective_on) for c in shape.classified]
    _, expected = case_due_on(
        schedule, RECORD_KIND_OF_CASE[shape.case_kind], shape.closed_on, standing
    )
    assert runner.run(sql_due_on(engine, schedule, shape)) == expected


def test_a_leap_day_adoption_order_falls_due_on_28_february(
    database: tuple[asyncio.Runner, AsyncEngine],
) -> None:
    runner, engine = database
    shape = CaseShape(
        FAMILY_SAFEGUARDING,
        date(2020, 1, 10),
        (Classified("adoption", date(2019, 5, 4), date(2020, 2, 29)),),
    )
    schedule = retention_schedule(adoption_years=101)
    rule, day = case_due_on(
        schedule,
        "child_protection",
        shape.closed_on,
        [Classification("adoption", date(2019, 5, 4), date(2020, 2, 29))],
    )
    assert (rule.kind, day) == ("adoption", date(2121, 2, 28))
    assert runner.run(sql_due_on(engine, schedule, shape)) == date(2121, 2, 28)
