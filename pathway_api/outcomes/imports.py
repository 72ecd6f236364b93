"""Storing a data-matching return as counts per team, after checking every line.

Each family must be one the pathway holds a case of, attributed to the team of its case at the
month's end (repository.family_teams), and within the uploader's sight: a team manager returns
figures for their own teams' families. A family outside it gets the same fault as an unknown
one, so an upload never tells whether a family exists elsewhere. With any fault nothing is
stored. What is stored is how many families of each team had each value, never which families.
"""

from __future__ import annotations

import uuid
from collections import Counter

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.outcomes import repository
from pathway_api.outcomes import service as configuration
from pathway_api.outcomes.defaults import DEFAULT_FRAMEWORKS
from pathway_api.outcomes.models import OutcomeImport
from pathway_api.outcomes.months import month_after, parse_month
from pathway_api.outcomes.return_file import read_return, row_error
from pathway_api.outcomes.schemas import ImportCreate, Measure
from pathway_api.outcomes.sight import Sight
from services.clock import transaction_now
from services.errors import FieldError, ValidationProblem, invalid
from services.principal import Principal
from services.working_days import local_date


async def datasets_in_force(session: AsyncSession) -> set[str]:
    """The datasets some measure of a framework in force reads."""
    names: set[str] = set()
    for code in DEFAULT_FRAMEWORKS:
        row = await configuration.framework(session, code)
        for measure in row.measures:
            source = Measure.model_validate(measure).source
            if source.kind == "import":
                names.add(source.dataset)
    return names


async def store_return(
    session: AsyncSession, principal: Principal, sight: Sight, body: ImportCreate
) -> tuple[OutcomeImport, Counter[uuid.UUID]]:
    """Check a return whole and store its counts; 422 naming each fault, nothing stored."""
    if body.dataset not in await datasets_in_force(session):
        raise invalid(
            "body",
            "dataset",
            message="No measure in force reads this dataset.",
            code="unread_dataset",
        )
    period = parse_month(body.period)
    now = await transaction_now(session)
    if period > local_date(now).replace(day=1):
        raise invalid(
            "body",
            "period",
            message="A return is for a month that has begun.",
            code="month_to_come",
        )
    families, errors = read_return(body.csv)
    if errors:
        raise ValidationProblem(errors)
    teams = await repository.family_teams(
        session, [f.family_id for f in families], month_after(period)
    )
    outside = "No family of a team you manage has this id."
    unknown = "The pathway holds no case of a family with this id."
    faults: list[FieldError] = []
    counts: Counter[tuple[uuid.UUID, int]] = Counter()
    per_team: Counter[uuid.UUID] = Counter()
    for family in families:
        team = teams.get(family.family_id)
        if team is None or not sight.sees(team):
            faults.append(row_error(family.row, "family_id", unknown if sight.council else outside))
            continue
        counts[(team, family.value)] += 1
        per_team[team] += 1
    if faults:
        raise ValidationProblem(faults[:50])
    row = OutcomeImport(
        dataset=body.dataset,
        period=period,
        source=body.source,
        rows=len(families),
        teams=None if sight.council else sorted(sight.teams),
        uploaded_by=principal.practitioner_id,
        uploaded_at=now,
    )
    await repository.add_import(session, row, dict(counts))
    return row, per_team
