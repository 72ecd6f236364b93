"""SQL for the outcomes framework: imports, and each computed rule as a count.

The computed rules read the pathway's own tables and its case projection only. Each returns,
for every month from `first` to `last`, how many families each team had that the rule counts;
months are Europe/London calendar months, and "at the month's end" is the instant the next
month starts there. A state rule (a need found, a level in force, a partner in the team) looks
at cases open at that instant; an event rule (a review's finding) at events in the month.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.models import projection
from pathway_api.outcomes.models import OutcomeImport, OutcomeImportCount

# (month, team, families)
Count = tuple[date, uuid.UUID, int]


async def family_teams(
    session: AsyncSession, family_ids: Sequence[uuid.UUID], period_end: date
) -> dict[uuid.UUID, uuid.UUID]:
    """The team each family belongs to for a month: its case open at the month's end, else its
    latest case opened before then (a return may follow a family after closure)."""
    if not family_ids:
        return {}
    rows = await session.execute(
        text(
            """
            SELECT DISTINCT ON (c.family_id) c.family_id, c.owning_team_id
            FROM pathway.projected_case c
            WHERE c.family_id = ANY(:families)
              AND c.opened_at < (CAST(:period_end AS date)::timestamp AT TIME ZONE 'Europe/London')
            ORDER BY c.family_id,
              (c.closed_at IS NULL
               OR c.closed_at >= (CAST(:period_end AS date)::timestamp
                                  AT TIME ZONE 'Europe/London')) DESC,
              c.opened_at DESC, c.id
            """
        ),
        {"families": list(family_ids), "period_end": period_end},
    )
    return {row[0]: row[1] for row in rows}


async def add_import(
    session: AsyncSession, row: OutcomeImport, counts: dict[tuple[uuid.UUID, int], int]
) -> None:
    """Store an import and how many families of each team had each value."""
    session.add(row)
    await session.flush()
    for (team_id, value), families in sorted(counts.items()):
        session.add(
            OutcomeImportCount(import_id=row.id, team_id=team_id, value=value, families=families)
        )
    await session.flush()


async def imports_of(
    session: AsyncSession, dataset: str, first: date, last: date
) -> list[OutcomeImport]:
    """A dataset's imports for the months from `first` to `last`, oldest upload first."""
    found = await session.scalars(
        select(OutcomeImport)
        .where(
            OutcomeImport.dataset == dataset,
            OutcomeImport.period >= first,
            OutcomeImport.period <= last,
        )
        .order_by(OutcomeImport.uploaded_at, OutcomeImport.id)
    )
    return list(found)


async def import_counts(
    session: AsyncSession, import_ids: Sequence[uuid.UUID]
) -> list[OutcomeImportCount]:
    """The per-team counts of some imports."""
    if not import_ids:
        return []
    found = await session.scalars(
        select(OutcomeImportCount).where(OutcomeImportCount.import_id.in_(import_ids))
    )
    return list(found)


async def known_teams(session: AsyncSession) -> dict[uuid.UUID, str]:
    """Every team the pathway has heard of (from the directory or on a case), with its name."""
    teams = projection.tables.teams
    cases = projection.tables.cases
    names = {row.id: row.name for row in await session.execute(select(teams.c.id, teams.c.name))}
    for (team_id,) in await session.execute(select(cases.c.owning_team_id).distinct()):
        names.setdefault(team_id, "")
    imported = select(OutcomeImportCount.team_id).distinct()
    for (team_id,) in await session.execute(imported):
        names.setdefault(team_id, "")
    return names


# Every rule runs after these; PostgreSQL evaluates only the ones a rule refers to.
_MONTHS = """
WITH months AS (
  SELECT m::date AS month,
         ((m + interval '1 month')::timestamp AT TIME ZONE 'Europe/London') AS month_end
  FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 month') AS m
),
open_at_end AS (
  SELECT months.month, months.month_end, c.id AS case_id, c.family_id, c.kind,
         c.owning_team_id AS team_id
  FROM months
  JOIN pathway.projected_case c
    ON c.opened_at < months.month_end
   AND (c.closed_at IS NULL OR c.closed_at >= months.month_end)
),
assessed_at_end AS (
  SELECT o.month, o.team_id, o.family_id, latest.*
  FROM open_at_end o
  CROSS JOIN LATERAL (
    SELECT a.areas, a.dependent_children, a.expectant_parent, a.configuration_version
    FROM pathway.assessment a
    WHERE a.case_id = o.case_id AND a.completed_at < o.month_end
    ORDER BY a.completed_at DESC, a.id
    LIMIT 1
  ) latest
  WHERE o.kind = 'early_help'
),
reviews_in_month AS (
  SELECT months.month, c.owning_team_id AS team_id, c.family_id, r.outcome, r.progress
  FROM months
  JOIN pathway.plan_review r
    ON r.held_on >= months.month AND r.held_on < (months.month + interval '1 month')::date
  JOIN pathway.projected_case c ON c.id = r.case_id
)
"""

RULE_SQL: dict[str, str] = {
    "open_family_safeguarding": """
        SELECT month, team_id, count(DISTINCT family_id) FROM open_at_end
        WHERE kind = 'family_safeguarding'
        GROUP BY 1, 2
    """,
    "assessed_need": """
        SELECT month, team_id, count(DISTINCT family_id) FROM assessed_at_end
        WHERE CAST(:area AS text) = ANY(areas)
        GROUP BY 1, 2
    """,
    "supporting_families_eligible": """
        SELECT a.month, a.team_id, count(DISTINCT a.family_id) FROM assessed_at_end a
        JOIN pathway.configuration cfg ON cfg.version = a.configuration_version
        WHERE cardinality(a.areas) >= (cfg.eligibility->>'min_areas')::int
          AND (NOT (cfg.eligibility->>'requires_dependent_children_or_expectant_parent')::boolean
               OR a.dependent_children OR a.expectant_parent)
        GROUP BY 1, 2
    """,
    # The family's level in force, counted on the case it was decided on, if that is open.
    "statutory_level": """
        SELECT o.month, o.team_id, count(DISTINCT o.family_id) FROM open_at_end o
        CROSS JOIN LATERAL (
          SELECT d.case_id, d.level_code, d.configuration_version
          FROM pathway.level_decision d
          WHERE d.family_id = o.family_id AND d.person_id IS NULL AND d.decided_at < o.month_end
          ORDER BY d.decided_at DESC, d.id
          LIMIT 1
        ) latest
        JOIN pathway.configuration cfg ON cfg.version = latest.configuration_version
        WHERE latest.case_id = o.case_id
          AND EXISTS (
            SELECT 1 FROM jsonb_array_elements(cfg.levels) AS level
            WHERE level->>'code' = latest.level_code AND level->>'tier' = 'statutory'
          )
        GROUP BY 1, 2
    """,
    "target_achieved": """
        SELECT r.month, r.team_id, count(DISTINCT r.family_id) FROM reviews_in_month r
        WHERE EXISTS (
          SELECT 1 FROM jsonb_array_elements(r.progress) AS item
          JOIN pathway.plan_target t ON t.id = (item->>'target_id')::uuid
          WHERE item->>'progress' = 'achieved' AND t.area = CAST(:area AS text)
        )
        GROUP BY 1, 2
    """,
    "needs_met": """
        SELECT month, team_id, count(DISTINCT family_id) FROM reviews_in_month
        WHERE outcome = 'needs_met'
        GROUP BY 1, 2
    """,
    "taf_partner": """
        SELECT o.month, o.team_id, count(DISTINCT o.family_id) FROM open_at_end o
        WHERE o.kind = 'early_help' AND EXISTS (
          SELECT 1 FROM pathway.taf_contact t
          WHERE t.case_id = o.case_id AND t.added_at < o.month_end
            AND (t.ended_at IS NULL OR t.ended_at >= o.month_end)
        )
        GROUP BY 1, 2
    """,
}


async def computed_counts(
    session: AsyncSession, rule: str, area: str | None, first: date, last: date
) -> list[Count]:
    """What one rule counts, per month and team, for the months from `first` to `last`."""
    rows = await session.execute(
        text(_MONTHS + RULE_SQL[rule]), {"first": first, "last": last, "area": area}
    )
    return [(row[0], row[1], int(row[2])) for row in rows]
