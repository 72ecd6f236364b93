"""The generated access matrix: every operation of every unit, as every persona.

Operations come from each unit's own OpenAPI document, so a new endpoint is replayed without
new test code; the fixture only needs to know how to find an id for a new path parameter
(ids.py). See expectations.py for what each persona must get.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import false, select, text

from services.principal import Principal
from services.registry import UNITS, WORKBOOK
from tests.access_matrix import personas as p
from tests.access_matrix.conftest import MatrixEnv
from tests.access_matrix.markers import seen
from tests.access_matrix.runner import SUMMARY_LINES, Finding, Matrix, Report
from workbook_api.access import visibility
from workbook_api.access.visibility import IdQuery, Standings
from workbook_api.cases.models import Case


def listed(findings: list[Finding]) -> str:
    return "\n".join(str(f) for f in findings)


async def test_every_operation_answers_every_persona_as_its_audience_allows(
    matrix_report: Report,
) -> None:
    unexpected = matrix_report.unexpected()
    assert not unexpected, f"{len(unexpected)} findings:\n{listed(unexpected)}"
    stale = matrix_report.stale_defects()
    assert not stale, f"fixed (remove from expectations.KNOWN_DEFECTS): {stale}"
    known = matrix_report.known()
    assert not known, f"{len(known)} known-defect findings:\n{listed(known)}"


async def test_no_marker_reaches_any_events_or_audit_record(
    matrix_env: MatrixEnv, matrix_report: Report
) -> None:
    # After the whole matrix: events leave the service, and audit details are read by people
    # outside the case; neither may carry what was recorded.
    engine = matrix_env.stack.apps[WORKBOOK.name].state.engine
    markers = list(matrix_env.world.markers)
    patterns = [f"%{marker.text}%" for marker in markers]
    found = []
    async with engine.connect() as connection:
        for unit in UNITS:
            for table, column in (("outbox_event", "data"), ("audit_log", "details")):
                # Names from the registry and the kernel tables, never from input.
                query = (
                    f"SELECT {column}::text FROM {unit.schema}.{table}"  # noqa: S608
                    f" WHERE {column}::text LIKE ANY(CAST(:patterns AS text[]))"
                )
                for row in await connection.scalars(text(query), {"patterns": patterns}):
                    found += [f"{m.label} in {unit.schema}.{table}" for m in seen(markers, row)]
    assert not found, found


def every_case(principal: Principal, *, at: datetime | None = None) -> IdQuery:
    """A deliberately wrong rule: every case is visible to everyone."""
    return select(Case.id)


def every_case_standing(principal: Principal) -> Standings:
    """The same wrong rule in the form search takes it (access/visibility.case_standings)."""
    return select(
        Case.id.label("case_id"),
        false().label("all_detail"),
        false().label("discipline_detail"),
    )


async def test_the_matrix_reports_leaks_when_the_case_rule_is_widened(
    matrix_env: MatrixEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(visibility, "visible_case_ids", every_case)
    monkeypatch.setattr(visibility, "case_standings", every_case_standing)
    workbook = [op for op in matrix_env.operations if op.unit is WORKBOOK]
    widened = Matrix(matrix_env.stack, matrix_env.world, workbook, matrix_env.personas)
    report = await widened.run(writes=False)
    leaks = {(f.persona, f.detail) for f in report.leaks()}
    SUMMARY_LINES.append(
        f"access matrix with the case rule widened: {report.summary()}, {len(leaks)} leaks"
    )
    markers = matrix_env.world.markers
    # Another team's family, case and identifiers reach team A, and team A's reach team B.
    for persona, marker in [
        (p.SOCIAL_WORKER, markers.case_b),
        (p.UNALLOCATED, markers.family_b),
        (p.TEAM_MANAGER, markers.nhs_b),
        (p.OTHER_TEAM, markers.case_a),
        (p.OTHER_TEAM_MANAGER, markers.family_a),
    ]:
        assert (persona, f"{marker.label} marker") in leaks, (persona, marker.label)
    exposed = [
        f
        for f in report.findings
        if f.kind == "status" and f.persona == p.UNALLOCATED and f.detail.startswith("200")
    ]
    assert exposed, "an outsider reading case A got no 2xx the matrix noticed"
