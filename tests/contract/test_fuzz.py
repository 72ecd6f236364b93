"""Every operation of every unit keeps its documented contract under generated requests."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis

from tests.contract.coverage import SUMMARY_LINES
from tests.contract.target import FuzzTarget

schema = schemathesis.pytest.from_fixture("unit_schema")


@schema.parametrize()
def test_every_operation_keeps_its_contract(case: Any, fuzz_target: FuzzTarget) -> None:
    fuzz_target.tally.record(fuzz_target.unit.name, case.operation.label)
    case.call_and_validate(headers=fuzz_target.headers(case))


def test_every_operation_was_fuzzed(fuzz_target: FuzzTarget) -> None:
    unit, tally = fuzz_target.unit.name, fuzz_target.tally
    if unit not in tally.fuzzed:
        pytest.skip(f"the fuzz of {unit} did not run in this session")
    SUMMARY_LINES.append(tally.line(unit, len(fuzz_target.operations), fuzz_target.without_ids()))
    missing = tally.missing(unit, fuzz_target.operations)
    assert not missing, f"{unit}: operations the fuzz never sent a request to: {missing}"
