"""A framework's figures by month, team and locality, each with its source, small cells withheld.

Counts come from the pathway's own records (computed rules, repository.py) or from the newest
data-matching import speaking for each team and month. Every count is of families; a team's
locality comes from the reporting settings, and a locality's and the council's figures are the
sums of their teams'. Suppression (suppression.py) runs on the whole table before it is cut
down to what the caller sees. A month with nothing to count from (no import yet, or a month
still to come) is `no_data`, never a zero; a locality or council figure with a team lacking
data is `no_data` too, as its sum would mislead.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.outcomes import repository
from pathway_api.outcomes import service as configuration
from pathway_api.outcomes.models import OutcomeImport, OutcomeSettings
from pathway_api.outcomes.months import month_label, month_range
from pathway_api.outcomes.schemas import (
    Cell,
    ComputedSource,
    Figures,
    ImportedSource,
    Locality,
    Measure,
    MeasureFigures,
    Series,
    Trend,
)
from pathway_api.outcomes.sight import Sight
from pathway_api.outcomes.suppression import (
    COUNCIL,
    Hierarchy,
    locality_key,
    suppress,
    team_key,
)
from services.clock import transaction_now
from services.working_days import local_date

UNASSIGNED = "unassigned"
UNASSIGNED_LABEL = "No locality set"


@dataclass(frozen=True)
class TeamCell:
    """A team's count for a month: families counted, the figure shown, and its source."""

    families: int
    figure: int
    source: str
    # The source without the month's detail, for a measure's summary of its sources.
    summary: str


@dataclass(frozen=True)
class Layout:
    """The teams reported on, their names and localities."""

    names: dict[uuid.UUID, str]
    localities: list[Locality]
    locality_of: dict[uuid.UUID, str]

    def hierarchy(self, teams: set[uuid.UUID]) -> Hierarchy:
        members: dict[str, list[str]] = defaultdict(list)
        for team in sorted(teams, key=str):
            members[self.locality_of[team]].append(str(team))
        return Hierarchy(dict(members))


async def layout_of(session: AsyncSession, settings: OutcomeSettings, sight: Sight) -> Layout:
    names = await repository.known_teams(session)
    localities = [Locality.model_validate(item) for item in settings.localities]
    locality_of = {team: item.code for item in localities for team in item.team_ids}
    for team in [*(t for item in localities for t in item.team_ids), *sight.teams]:
        names.setdefault(team, "")
    if any(team not in locality_of for team in names):
        localities.append(
            Locality.model_construct(code=UNASSIGNED, label=UNASSIGNED_LABEL, team_ids=[])
        )
    for team in names:
        locality_of.setdefault(team, UNASSIGNED)
    return Layout(names, localities, locality_of)


def team_label(names: dict[uuid.UUID, str], team: uuid.UUID) -> str:
    return names.get(team) or f"Team {str(team)[:8]}"


async def computed_cells(
    session: AsyncSession, source: ComputedSource, months: list[date], teams: set[uuid.UUID]
) -> dict[date, dict[uuid.UUID, TeamCell]]:
    """Each month's count for every team, from a rule on the pathway's records."""
    counted = await repository.computed_counts(
        session, source.rule, source.area, months[0], months[-1]
    )
    by_cell = {(month, team): n for month, team, n in counted}
    described = source.rule + (f" ({source.area})" if source.area else "")
    origin = f"Counted from the pathway's records: rule {described}"
    return {
        month: {
            team: TeamCell(
                by_cell.get((month, team), 0), by_cell.get((month, team), 0), origin, origin
            )
            for team in teams
        }
        for month in months
    }


def _import_origin(row: OutcomeImport) -> str:
    return (
        f"Data-matching return '{row.source}' for {month_label(row.period)}, uploaded"
        f" {row.uploaded_at:%Y-%m-%d} (import {row.id})"
    )


async def imported_cells(
    session: AsyncSession, source: ImportedSource, months: list[date], teams: set[uuid.UUID]
) -> dict[date, dict[uuid.UUID, TeamCell]]:
    """Each month's figure for every team the newest import of that month speaks for."""
    imports = await repository.imports_of(session, source.dataset, months[0], months[-1])
    values: dict[tuple[uuid.UUID, uuid.UUID], list[tuple[int, int]]] = defaultdict(list)
    for count in await repository.import_counts(session, [row.id for row in imports]):
        values[(count.import_id, count.team_id)].append((count.value, count.families))
    newest: dict[tuple[date, uuid.UUID], OutcomeImport] = {}
    for row in imports:  # oldest upload first: a later one replaces it for the teams it covers
        for team in teams if row.teams is None else set(row.teams) & teams:
            newest[(row.period, team)] = row
    cells: dict[date, dict[uuid.UUID, TeamCell]] = {month: {} for month in months}
    for (month, team), row in newest.items():
        counted = [(v, n) for v, n in values.get((row.id, team), []) if v >= source.threshold]
        families = sum(n for _, n in counted)
        figure = families if source.figure == "families" else sum(v * n for v, n in counted)
        summary = f"Data-matching returns '{row.source}'"
        cells[month][team] = TeamCell(families, figure, _import_origin(row), summary)
    return cells


def trend_of(cells: list[Cell], direction: str) -> Trend | None:
    shown = [cell for cell in cells if cell.status == "shown" and cell.value is not None]
    if len(shown) < 2:
        return None
    first, last = shown[0], shown[-1]
    assert first.value is not None
    assert last.value is not None
    change = last.value - first.value
    better = None if change == 0 else (change < 0) == (direction == "minimise")
    return Trend(from_month=first.month, to_month=last.month, change=change, better=better)


def measure_series(
    measure: Measure,
    cells: dict[date, dict[uuid.UUID, TeamCell]],
    layout: Layout,
    sight: Sight,
    minimum: int,
    current_month: date,
) -> tuple[list[Series], list[str]]:
    """The council's, each locality's and each team's series the caller sees, and a summary
    of the sources of the team figures shown."""
    rows: dict[str, list[Cell]] = defaultdict(list)
    summaries: set[str] = set()
    teams = sorted(layout.names, key=lambda t: (team_label(layout.names, t), str(t)))
    for month, by_team in sorted(cells.items()):
        label = month_label(month)
        with_data = {t for t in by_team if month <= current_month}
        table = suppress(
            {str(t): by_team[t].families for t in with_data},
            layout.hierarchy(with_data),
            minimum,
        )
        figures: dict[str, int] = {team_key(str(t)): by_team[t].figure for t in with_data}
        origins: dict[str, set[str]] = {team_key(str(t)): {by_team[t].source} for t in with_data}
        for t in with_data:
            if table.shown(team_key(str(t))):
                summaries.add(by_team[t].summary)
        complete: dict[str, bool] = {team_key(str(t)): True for t in with_data}
        for locality in layout.localities:
            members = [t for t in teams if layout.locality_of[t] == locality.code]
            key = locality_key(locality.code)
            complete[key] = bool(members) and all(t in with_data for t in members)
            figures[key] = sum(figures.get(team_key(str(t)), 0) for t in members)
            origins[key] = set().union(*(origins.get(team_key(str(t)), set()) for t in members))
        complete[COUNCIL] = bool(teams) and all(t in with_data for t in teams)
        figures[COUNCIL] = sum(figures.get(team_key(str(t)), 0) for t in with_data)
        origins[COUNCIL] = set().union(*(origins.get(team_key(str(t)), set()) for t in teams))
        for key in (COUNCIL, *(locality_key(loc.code) for loc in layout.localities)):
            rows[key].append(_cell(label, key, table.shown(key), complete, figures, origins))
        for team in teams:
            key = team_key(str(team))
            rows[key].append(_cell(label, key, table.shown(key), complete, figures, origins))
    series: list[Series] = []
    if sight.council:
        series.append(_series("council", COUNCIL, "Council", rows[COUNCIL], measure))
        for loc in layout.localities:
            key = locality_key(loc.code)
            if rows[key]:
                series.append(_series("locality", loc.code, loc.label, rows[key], measure))
    for team in teams:
        if sight.sees(team):
            key = team_key(str(team))
            label = team_label(layout.names, team)
            series.append(_series("team", str(team), label, rows[key], measure))
    return series, sorted(summaries)


def _cell(
    month: str,
    key: str,
    shown: bool,
    complete: dict[str, bool],
    figures: dict[str, int],
    origins: dict[str, set[str]],
) -> Cell:
    if not complete.get(key, False):
        return Cell(month=month, value=None, status="no_data", source=None)
    if not shown:
        return Cell(month=month, value=None, status="suppressed", source=None)
    return Cell(
        month=month, value=figures[key], status="shown", source="; ".join(sorted(origins[key]))
    )


def _series(level: str, key: str, label: str, cells: list[Cell], measure: Measure) -> Series:
    return Series.model_validate(
        {
            "level": level,
            "key": key,
            "label": label,
            "cells": cells,
            "trend": trend_of(cells, measure.direction),
        }
    )


async def figures(
    session: AsyncSession, sight: Sight, code: str, first: date, last: date
) -> Figures:
    """A framework's figures for the months from `first` to `last`, as the caller may see them."""
    framework = await configuration.framework(session, code)
    settings = await configuration.settings(session)
    layout = await layout_of(session, settings, sight)
    months = month_range(first, last)
    now: datetime = await transaction_now(session)
    current_month = local_date(now).replace(day=1)
    teams = set(layout.names)
    measures: list[MeasureFigures] = []
    for item in framework.measures:
        measure = Measure.model_validate(item)
        source = measure.source
        if isinstance(source, ComputedSource):
            cells = await computed_cells(session, source, months, teams)
        else:
            cells = await imported_cells(session, source, months, teams)
        series, sources = measure_series(
            measure, cells, layout, sight, settings.minimum_cell_count, current_month
        )
        measures.append(
            MeasureFigures(
                code=measure.code,
                label=measure.label,
                outcome=measure.outcome,
                direction=measure.direction,
                definition=measure.definition,
                source=source,
                definition_version=framework.version,
                series=series,
                sources=sources,
            )
        )
    return Figures(
        framework=framework.code,
        framework_name=framework.name,
        framework_version=framework.version,
        settings_version=settings.version,
        minimum_cell_count=settings.minimum_cell_count,
        months=[month_label(m) for m in months],
        generated_at=now,
        scope="council" if sight.council else "teams",
        measures=measures,
    )
