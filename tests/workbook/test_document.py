"""The workbook's document says what the workbook refuses, as this deployment configures it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from services.settings import KernelSettings
from workbook_api.app import create_app
from workbook_api.entries.schemas import NOT_NULL, EntryDraftUpdate, SessionLogCreate
from workbook_api.settings import WorkbookSettings, workbook_settings


def _schemas(settings: KernelSettings) -> dict[str, Any]:
    schemas: dict[str, Any] = create_app(settings).openapi()["components"]["schemas"]
    return schemas


def test_break_glass_limits_are_this_deployments(kernel_settings: KernelSettings) -> None:
    configured = WorkbookSettings.model_validate(
        {
            **workbook_settings(kernel_settings).model_dump(),
            "break_glass_min_justification": 40,
            "break_glass_max_minutes": 90,
        }
    )

    request = _schemas(configured)["BreakGlassRequest"]["properties"]

    assert request["justification"]["minLength"] == 40
    assert request["duration_minutes"]["maximum"] == 90
    assert re.search(request["justification"]["pattern"], "why\x00") is None


@pytest.mark.parametrize("model", [EntryDraftUpdate, SessionLogCreate])
def test_entry_members_that_refuse_null_are_not_documented_as_nullable(
    kernel_settings: KernelSettings, model: type[Any]
) -> None:
    properties = _schemas(kernel_settings)[model.__name__]["properties"]

    for name in NOT_NULL:
        assert {"type": "null"} not in properties[name].get("anyOf", []), name


@pytest.mark.parametrize(
    ("text", "accepted"),
    [("Seen at home.", True), ("  \t ", False), ("Seen\x00", False), (" x ", True)],
)
def test_narrative_is_documented_as_checked(
    kernel_settings: KernelSettings, text: str, accepted: bool
) -> None:
    narrative = _schemas(kernel_settings)["EntryDraftUpdate"]["properties"]["narrative"]
    [documented] = [option for option in narrative["anyOf"] if option.get("type") == "string"]

    assert (re.search(documented["pattern"], text) is not None) is accepted
    try:
        EntryDraftUpdate.model_validate({"narrative": text})
    except ValueError:
        assert not accepted
    else:
        assert accepted
