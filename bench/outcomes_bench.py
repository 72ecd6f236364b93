"""Benchmark the outcomes figures and report over a council-sized pathway (run by hand).

    .venv/bin/python bench/outcomes_bench.py [--teams 40] [--cases 6000] [--rounds 5]

On a throwaway database (migrated to head), the pathway's tables are filled by bulk SQL with a
synthetic council: teams in eight localities, early help cases opened over two years (most
closed since) with a whole-family assessment each, Family Safeguarding cases, level decisions,
reviews, Team Around the Family contacts, and a year of council-wide data-matching returns for
every dataset the county's framework reads. Then, in process, for the council's view of twelve
months of the county's 22 measures, the median of --rounds runs of:

- the SQL alone: every computed rule's query and every dataset's imports, as `figures()` asks
  them (the baseline: what PostgreSQL must do whatever the code around it);
- `figures()`: the same, assembled by month, team and locality with suppression and trends;
- the report: `figures()` and the page with its 22 charts drawn (pygal, SVG).

It prints each as milliseconds and as a ratio of the SQL alone, so the cost of assembling,
suppressing and drawing is read against the database's share on the same machine and data.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway_bench import throwaway_database  # noqa: E402  (bench/ is the script's directory)

from pathway_api.configuration import service as continuum  # noqa: E402
from pathway_api.outcomes import figures as figures_service  # noqa: E402
from pathway_api.outcomes import report, repository  # noqa: E402
from pathway_api.outcomes import service as configuration  # noqa: E402
from pathway_api.outcomes.months import months_back  # noqa: E402
from pathway_api.outcomes.schemas import ComputedSource, Measure, SettingsWrite  # noqa: E402
from pathway_api.outcomes.sight import Sight  # noqa: E402
from services.migrate import upgrade_all  # noqa: E402
from services.settings import async_database_url  # noqa: E402
from services.working_days import local_date  # noqa: E402

AREAS: Final = (
    "education",
    "early_years",
    "health",
    "substance_use",
    "family_relationships",
    "safe_from_abuse",
    "crime",
    "domestic_abuse",
    "housing",
    "financial_stability",
)
DATASETS: Final = (
    "looked_after",
    "school_absence",
    "exclusions",
    "eet",
    "early_years_development",
    "emotional_wellbeing",
    "teenage_pregnancy",
    "sen_attainment",
    "sen_health",
    "stakeholder_satisfaction",
)

POPULATE: Final = [
    """
    INSERT INTO pathway.projected_team (id, name, code, active, version)
    SELECT md5('team' || t)::uuid, 'Bench team ' || t, 'B' || t, true, 1
    FROM generate_series(1, :teams) AS t
    """,
    # Early help cases opened over two years, two in three closed 2-8 months later.
    """
    INSERT INTO pathway.projected_case
      (id, family_id, owning_team_id, status, kind, opened_at, closed_at, episode_number, version)
    SELECT md5('case' || c)::uuid, md5('family' || c)::uuid,
           md5('team' || (1 + c % :teams))::uuid,
           CASE WHEN c % 3 = 0 THEN 'open' ELSE 'closed' END, 'early_help',
           now() - make_interval(days => (c * 7919) % 730),
           CASE WHEN c % 3 = 0 THEN NULL
                ELSE now() - make_interval(days => (c * 7919) % 730)
                     + make_interval(days => 60 + (c % 180)) END,
           1, 1
    FROM generate_series(1, :cases) AS c
    """,
    # Closures never in the future.
    """
    UPDATE pathway.projected_case SET status = 'open', closed_at = NULL
    WHERE closed_at > now()
    """,
    # One Family Safeguarding case for every sixth family, open.
    """
    INSERT INTO pathway.projected_case
      (id, family_id, owning_team_id, status, kind, opened_at, closed_at, episode_number, version)
    SELECT md5('fs' || c)::uuid, md5('family' || c)::uuid, md5('team' || (1 + c % :teams))::uuid,
           'open', 'family_safeguarding', now() - make_interval(days => (c * 31) % 700), NULL, 1, 1
    FROM generate_series(1, :cases, 6) AS c
    """,
    """
    INSERT INTO pathway.assessment
      (id, case_id, assessment_type, areas, members_assessed, dependent_children,
       expectant_parent, summary, configuration_version, completed_by, completed_at)
    SELECT md5('assessment' || c.id)::uuid, c.id, 'my_plan_plus',
           ARRAY[(CAST(:areas AS text[]))[1 + abs(hashtext(c.id::text)) % 10],
                 (CAST(:areas AS text[]))[1 + abs(hashtext(c.id::text || 'b')) % 10],
                 (CAST(:areas AS text[]))[1 + abs(hashtext(c.id::text || 'c')) % 10]],
           3, true, false, 'Bench assessment', 1, c.owning_team_id,
           c.opened_at + interval '20 days'
    FROM pathway.projected_case c WHERE c.kind = 'early_help'
    """,
    """
    INSERT INTO pathway.level_decision
      (id, case_id, family_id, person_id, configuration_version, level_code, level_label,
       level_rank, indicators, reason, basis, decided_by, decided_at)
    SELECT md5('level' || c.id)::uuid, c.id, c.family_id, NULL, 1,
           CASE WHEN c.kind = 'family_safeguarding' THEN 'specialist' ELSE 'targeted' END,
           'Bench level', 3, ARRAY['multiple_needs'], 'Bench', 'decision', c.owning_team_id,
           c.opened_at + interval '1 day'
    FROM pathway.projected_case c
    """,
    """
    INSERT INTO pathway.plan_review
      (id, case_id, held_on, outcome, progress, summary, next_review_due, recorded_by,
       recorded_at)
    SELECT md5('review' || c.id || r)::uuid, c.id,
           (c.opened_at + make_interval(days => 40 * r))::date,
           (ARRAY['needs_met', 'continue', 'deterioration'])
             [1 + (r + abs(hashtext(c.id::text))) % 3],
           '[]'::jsonb, 'Bench review', NULL, c.owning_team_id,
           c.opened_at + make_interval(days => 40 * r)
    FROM pathway.projected_case c CROSS JOIN generate_series(1, 3) AS r
    WHERE c.kind = 'early_help' AND c.opened_at + make_interval(days => 40 * r) < now()
    """,
    """
    INSERT INTO pathway.taf_contact (id, case_id, name, agency, role, contact, added_by, added_at)
    SELECT md5('taf' || c.id)::uuid, c.id, 'Bench contact', 'School', 'SENCO', NULL,
           c.owning_team_id, c.opened_at + interval '5 days'
    FROM pathway.projected_case c
    WHERE c.kind = 'early_help' AND abs(hashtext(c.id::text)) % 5 < 2
    """,
    # A year of council-wide returns: each team's families counted at two values.
    """
    INSERT INTO pathway.outcome_import (id, dataset, period, source, rows, teams, uploaded_by,
                                        uploaded_at)
    SELECT md5('import' || d || m)::uuid, d,
           (date_trunc('month', now()) - make_interval(months => m))::date,
           'Bench return', 100, NULL, md5('officer')::uuid, now()
    FROM unnest(CAST(:datasets AS text[])) AS d CROSS JOIN generate_series(0, 11) AS m
    """,
    """
    INSERT INTO pathway.outcome_import_count (import_id, team_id, value, families)
    SELECT i.id, t.id, v, 1 + abs(hashtext(i.id::text || t.id::text || v)) % 12
    FROM pathway.outcome_import i CROSS JOIN pathway.projected_team t
    CROSS JOIN generate_series(1, 2) AS v
    """,
    "ANALYZE",
]


async def populate(session: AsyncSession, teams: int, cases: int) -> None:
    await continuum.current_row(session)
    for statement in POPULATE:
        await session.execute(
            text(statement),
            {"teams": teams, "cases": cases, "areas": list(AREAS), "datasets": list(DATASETS)},
        )
    per_locality = -(-teams // 8)
    team_ids = [
        row[0]
        for row in await session.execute(
            text("SELECT id FROM pathway.projected_team ORDER BY code")
        )
    ]
    localities = [
        {"code": f"l{n}", "label": f"Locality {n}", "team_ids": team_ids[n::8]}
        for n in range(8)
        if team_ids[n::8]
    ]
    assert all(len(item["team_ids"]) <= per_locality for item in localities)
    body = SettingsWrite.model_validate(
        {"minimum_cell_count": 5, "localities": localities, "note": "Bench localities"}
    )
    await configuration.publish_settings(session, None, body)


async def median_ms(
    session_of: Callable[[], AsyncSession],
    work: Callable[[AsyncSession], Awaitable[object]],
    rounds: int,
) -> float:
    times: list[float] = []
    for _ in range(rounds + 1):  # the first warms caches and is not counted
        async with session_of() as session, session.begin():
            started = time.perf_counter()
            await work(session)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[1:])


async def run(url: str, teams: int, cases: int, rounds: int) -> None:
    engine = create_async_engine(async_database_url(url))
    try:
        async with AsyncSession(engine) as session, session.begin():
            await populate(session, teams, cases)
        last = local_date(datetime.now(UTC)).replace(day=1)
        first = months_back(last, 11)
        council = Sight(council=True, teams=frozenset())

        async def sql_only(session: AsyncSession) -> None:
            framework = await configuration.framework(session, "norfolk")
            for item in framework.measures:
                source = Measure.model_validate(item).source
                if isinstance(source, ComputedSource):
                    await repository.computed_counts(session, source.rule, source.area, first, last)
                else:
                    rows = await repository.imports_of(session, source.dataset, first, last)
                    await repository.import_counts(session, [row.id for row in rows])

        async def figures(session: AsyncSession) -> None:
            await figures_service.figures(session, council, "norfolk", first, last)

        async def page(session: AsyncSession) -> None:
            result = await figures_service.figures(session, council, "norfolk", first, last)
            row = await configuration.framework(session, "norfolk")
            labels = {item["code"]: item["label"] for item in row.outcomes}
            await asyncio.to_thread(report.render, result, labels)

        def session_of() -> AsyncSession:
            return AsyncSession(engine)

        baseline = await median_ms(session_of, sql_only, rounds)
        assembled = await median_ms(session_of, figures, rounds)
        drawn = await median_ms(session_of, page, rounds)
        print(f"outcomes bench: {teams} teams, {cases} early help cases, 12 months, 22 measures")
        print(f"  SQL alone (baseline)   {baseline:8.1f} ms   x1.00")
        print(f"  figures()              {assembled:8.1f} ms   x{assembled / baseline:.2f}")
        print(f"  report page (charts)   {drawn:8.1f} ms   x{drawn / baseline:.2f}")
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--teams", type=int, default=40)
    parser.add_argument("--cases", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with throwaway_database(ROOT / ".fsm") as (url, where):
        print(f"database: {where}")
        upgrade_all(url)
        asyncio.run(run(url, args.teams, args.cases, args.rounds))


if __name__ == "__main__":
    main()
