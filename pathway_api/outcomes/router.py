"""HTTP endpoints for the outcomes framework: configuration, returns, figures and the report."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Path, Query, Response
from fastapi.responses import HTMLResponse

from pathway_api.outcomes import figures as figures_service
from pathway_api.outcomes import imports, report, service
from pathway_api.outcomes.defaults import DEFAULT_FRAMEWORK, DEFAULT_FRAMEWORKS
from pathway_api.outcomes.months import MAX_MONTHS, month_label, months_back, parse_month
from pathway_api.outcomes.schemas import (
    MONTH_PATTERN,
    Figures,
    FrameworkCode,
    FrameworkRead,
    FrameworkSummary,
    FrameworkWrite,
    ImportCreate,
    ImportRead,
    SettingsRead,
    SettingsWrite,
)
from pathway_api.outcomes.sight import Sight, narrowed, sight_of
from services.auditing import Audit, audited
from services.auth import CurrentPrincipal, require_any_role
from services.clock import transaction_now
from services.errors import invalid, raises
from services.principal import Principal
from services.routing import kit_router
from services.unit_of_work import DbSession
from services.working_days import local_date

router = kit_router(tags=["outcomes"])
Administrator = Annotated[Principal, Depends(require_any_role("administrator"))]
Framework = Annotated[FrameworkCode, Path(description="The framework")]
Version = Annotated[int, Path(ge=1, le=1_000_000, description="The framework's version")]
FrameworkChoice = Annotated[FrameworkCode, Query(description="Which framework's measures")]
FromMonth = Annotated[
    str | None,
    Query(
        alias="from",
        pattern=MONTH_PATTERN,
        description="First month, YYYY-MM (default: 11 before the last)",
    ),
]
ToMonth = Annotated[
    str | None,
    Query(alias="to", pattern=MONTH_PATTERN, description="Last month, YYYY-MM (default: now)"),
]
TeamFilter = Annotated[
    UUID | None, Query(description="Only this team (one you manage, unless you see the council)")
]


@raises(403)
async def figure_reader(principal: CurrentPrincipal) -> Sight:
    """Team managers (their teams) and the Supporting Families team (the council)."""
    return sight_of(principal)


Reader = Annotated[Sight, Depends(figure_reader)]


@router.get("/outcomes/frameworks", summary="List the outcomes frameworks")
async def list_outcome_frameworks(
    session: DbSession, principal: CurrentPrincipal
) -> list[FrameworkSummary]:
    """Each framework with its version in force; figures default to the first."""
    rows = [await service.framework(session, code) for code in DEFAULT_FRAMEWORKS]
    return [
        FrameworkSummary(code=r.code, version=r.version, name=r.name, measures=len(r.measures))
        for r in rows
    ]


@router.get("/outcomes/frameworks/{framework}", summary="Read a framework in force")
async def read_outcome_framework(
    framework: Framework, session: DbSession, principal: CurrentPrincipal
) -> FrameworkRead:
    """Its priority outcomes and measures: direction, definition and data source of each."""
    return FrameworkRead.of(await service.framework(session, framework))


@router.get(
    "/outcomes/frameworks/{framework}/versions/{version}", summary="Read a framework version"
)
@raises(404)
async def read_outcome_framework_version(
    framework: Framework, version: Version, session: DbSession, principal: CurrentPrincipal
) -> FrameworkRead:
    """A version as published (each figure names the version it was counted under)."""
    return FrameworkRead.of(await service.framework_version(session, framework, version))


@router.post(
    "/outcomes/frameworks/{framework}", status_code=201, summary="Publish a framework version"
)
@audited("create", "outcome_framework", resource="")
async def publish_outcome_framework(
    framework: Framework,
    body: FrameworkWrite,
    response: Response,
    session: DbSession,
    principal: Administrator,
    note: Audit,
) -> FrameworkRead:
    """Publish a framework's next version (administrators); it is in force at once."""
    row = await service.publish_framework(session, principal, framework, body)
    note.resource_id = f"{row.code}/{row.version}"
    response.headers["Location"] = f"/outcomes/frameworks/{row.code}/versions/{row.version}"
    return FrameworkRead.of(row)


@router.get("/outcomes/settings", summary="Read the reporting settings")
async def read_outcome_settings(session: DbSession, principal: CurrentPrincipal) -> SettingsRead:
    """The smallest count shown and the council's localities."""
    return SettingsRead.of(await service.settings(session))


@router.post("/outcomes/settings", status_code=201, summary="Publish reporting settings")
@audited("create", "outcome_settings", resource="")
async def publish_outcome_settings(
    body: SettingsWrite, session: DbSession, principal: Administrator, note: Audit
) -> SettingsRead:
    """Publish the next version of the settings (administrators); in force at once."""
    row = await service.publish_settings(session, principal, body)
    note.resource_id = str(row.version)
    return SettingsRead.of(row)


@router.post("/outcomes/imports", status_code=201, summary="Upload a data-matching return")
@audited("create", "outcome_import", resource="")
async def upload_outcome_return(
    body: ImportCreate,
    session: DbSession,
    principal: CurrentPrincipal,
    sight: Reader,
    note: Audit,
) -> ImportRead:
    """A month's return for one dataset, a line per matched family; every fault is named by
    row and field and nothing is stored unless the whole file is sound. Only counts per team
    are kept; small counts are withheld from this answer too."""
    row, per_team = await imports.store_return(session, principal, sight, body)
    minimum = (await service.settings(session)).minimum_cell_count
    note.resource_id = str(row.id)
    note.details.update(dataset=row.dataset, period=body.period)
    return ImportRead(
        id=row.id,
        dataset=row.dataset,
        period=body.period,
        source=row.source,
        rows=row.rows if row.rows >= minimum else None,
        teams=sorted(per_team),
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
    )


async def _months(session: DbSession, first: str | None, last: str | None) -> tuple[date, date]:
    now = local_date(await transaction_now(session)).replace(day=1)
    end = parse_month(last) if last else now
    start = parse_month(first) if first else months_back(end, 11)
    if start > end:
        raise invalid(
            "query", "from", message="The first month is after the last.", code="month_range"
        )
    if months_back(end, MAX_MONTHS - 1) > start:
        raise invalid(
            "query", "from", message=f"At most {MAX_MONTHS} months at once.", code="month_range"
        )
    return start, end


@router.get("/outcomes/figures", summary="Read outcome figures")
@audited("read", "outcome_figures")
@raises(404, 422)
async def read_outcome_figures(
    session: DbSession,
    sight: Reader,
    note: Audit,
    framework: FrameworkChoice = DEFAULT_FRAMEWORK,
    first: FromMonth = None,
    last: ToMonth = None,
    team_id: TeamFilter = None,
) -> Figures:
    """Each measure by month for the council, its localities and teams you may see, with a
    trend, the source of every figure shown and the definition version; counts under the
    minimum, and counts that would reveal one, are withheld."""
    start, end = await _months(session, first, last)
    scoped = narrowed(sight, team_id)
    note.details.update(framework=framework, months=f"{month_label(start)}/{month_label(end)}")
    return await figures_service.figures(session, scoped, framework, start, end)


@router.get(
    "/reports/outcomes",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
    summary="Open the outcomes report",
)
@audited("read", "outcome_report")
@raises(404, 422)
async def read_outcomes_report(
    session: DbSession,
    sight: Reader,
    note: Audit,
    framework: FrameworkChoice = DEFAULT_FRAMEWORK,
    first: FromMonth = None,
    last: ToMonth = None,
    team_id: TeamFilter = None,
) -> HTMLResponse:
    """The same figures as a printable page with a chart per measure, drawn on the server."""
    start, end = await _months(session, first, last)
    scoped = narrowed(sight, team_id)
    figures = await figures_service.figures(session, scoped, framework, start, end)
    row = await service.framework(session, framework)
    labels = {item["code"]: item["label"] for item in row.outcomes}
    note.details.update(framework=framework, months=f"{month_label(start)}/{month_label(end)}")
    # Drawing charts is CPU work: off the event loop, so other requests keep moving.
    page = await asyncio.to_thread(report.render, figures, labels)
    return HTMLResponse(page)
