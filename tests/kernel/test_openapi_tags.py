"""Widgets for the tag tests: this paragraph describes the tag of the routers declared here.

Only the first paragraph counts.
"""

from __future__ import annotations

from fastapi import APIRouter

from services.openapi_tags import describe_tags

router = APIRouter(tags=["widgets"])


@router.get("/widgets")
async def list_widgets() -> list[str]:
    """List widgets."""
    return []


@router.get("/internal", include_in_schema=False, tags=["internal"])
async def get_internal() -> None:
    """Answer what no document shows."""


def test_a_tag_is_described_by_the_first_paragraph_of_its_router_module() -> None:
    assert describe_tags([router]) == [
        {
            "name": "widgets",
            "description": "Widgets for the tag tests: this paragraph describes the tag of the"
            " routers declared here.",
        }
    ]


def test_an_explicit_description_wins() -> None:
    assert describe_tags([router], {"widgets": "Widgets, explained."}) == [
        {"name": "widgets", "description": "Widgets, explained."}
    ]
