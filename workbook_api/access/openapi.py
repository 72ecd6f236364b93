"""Say in the workbook's document what this deployment's break-glass settings allow."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from workbook_api.access.schemas import BreakGlassRequest
from workbook_api.settings import WorkbookSettings


def document_break_glass_limits(app: FastAPI, settings: WorkbookSettings) -> None:
    """Give the break-glass request the justification minimum and duration cap configured here.

    The schema's own bounds are the widest any council may configure; the service refuses what
    this council's settings do not allow, and its document must say so.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        document = generate()
        schema = document["components"]["schemas"][BreakGlassRequest.__name__]["properties"]
        schema["justification"]["minLength"] = settings.break_glass_min_justification
        schema["duration_minutes"]["maximum"] = settings.break_glass_max_minutes
        return document

    app.openapi = openapi  # type: ignore[method-assign]
