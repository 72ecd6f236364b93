"""The matrix fails, saying why, where its fixture falls short or the service refuses insiders."""

from __future__ import annotations

from typing import Any

import pytest

from services.registry import WORKBOOK
from tests.access_matrix import bodies
from tests.access_matrix import personas as p
from tests.access_matrix.bodies import Fill
from tests.access_matrix.conftest import MatrixEnv
from tests.access_matrix.operations import Operation
from tests.access_matrix.runner import Matrix


def synthetic(method: str, path: str, spec: dict[str, Any]) -> Operation:
    """An operation the workbook does not have, as a new endpoint would appear."""
    return Operation(WORKBOOK, method, path, spec, {"paths": {path: {method.lower(): spec}}})


def kinds(matrix: Matrix, op: Operation) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for finding in matrix.report.findings:
        if finding.key == op.key:
            found.setdefault(finding.kind, []).append(finding.detail)
    return found


async def test_a_path_parameter_without_an_id_source_fails_naming_it(
    matrix_env: MatrixEnv,
) -> None:
    op = synthetic(
        "GET",
        "/things/{thing_id}",
        {"parameters": [{"name": "thing_id", "in": "path", "required": True}]},
    )
    matrix = Matrix(matrix_env.stack, matrix_env.world, [op], matrix_env.personas)
    await matrix.run(writes=False)
    found = kinds(matrix, op)
    assert any("'thing_id'" in detail for detail in found["fixture"]), found
    assert found["unexercised"] == ["no persona replayed it"]


async def test_a_body_member_without_a_value_fails_naming_it(matrix_env: MatrixEnv) -> None:
    op = synthetic(
        "POST",
        "/things",
        {
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["owner_id"],
                            "properties": {"owner_id": {"type": "string", "format": "uuid"}},
                        }
                    }
                },
            }
        },
    )
    matrix = Matrix(matrix_env.stack, matrix_env.world, [op], matrix_env.personas)
    await matrix.run()
    found = kinds(matrix, op)
    assert any("body.owner_id" in detail for detail in found["fixture"]), found


def test_text_that_no_candidate_matches_fails_naming_the_pattern() -> None:
    op = synthetic("POST", "/things", {})
    with pytest.raises(bodies.BuildError, match=r"body\.code must match"):
        bodies.generate(op, {"type": "string", "pattern": "^[0-9]{4}$"}, "body.code")


async def test_an_insider_refused_by_validation_is_a_finding(
    matrix_env: MatrixEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unknown_entry_type(fill: Fill, siblings: dict[str, Any]) -> Any:
        return "not_a_configured_type"

    monkeypatch.setitem(bodies.BODY_VALUES, "entry_type", unknown_entry_type)
    (op,) = [o for o in matrix_env.operations if o.key == "POST /workbook/cases/{case_id}/entries"]
    matrix = Matrix(matrix_env.stack, matrix_env.world, [op], matrix_env.personas)
    await matrix.run()
    refused = {f.persona for f in matrix.report.findings if f.kind == "status"}
    # Everyone who records on the case was refused, and each refusal is reported.
    assert refused == {*p.ALLOCATED_ON_CASE_A, p.TEAM_MANAGER}
