"""The Electronic Workbook service."""

from fastapi import FastAPI

from services.app import create_service_app
from services.registry import WORKBOOK
from services.settings import KernelSettings
from workbook_api.access.router import router as access_router
from workbook_api.cases.router import router as cases_router
from workbook_api.chronology.router import router as chronology_router
from workbook_api.disciplines.dependencies import load_recording_config_on_startup
from workbook_api.disciplines.router import router as disciplines_router
from workbook_api.entries.router import router as entries_router
from workbook_api.families.router import router as families_router
from workbook_api.models import kernel
from workbook_api.search.router import router as search_router
from workbook_api.sessions.router import router as sessions_router
from workbook_api.settings import workbook_settings
from workbook_api.summaries.router import router as summaries_router


def create_app(settings: KernelSettings | None = None) -> FastAPI:
    """Build the workbook service app."""
    return create_service_app(
        unit=WORKBOOK,
        settings=workbook_settings(settings),
        kernel=kernel,
        # The break-glass router first: its /cases/break-glass must win over /cases/{case_id}.
        routers=[
            access_router,
            families_router,
            cases_router,
            entries_router,
            sessions_router,
            summaries_router,
            chronology_router,
            search_router,
            disciplines_router,
        ],
        on_startup=[load_recording_config_on_startup],
        title="Electronic Workbook",
        description="Families, cases, shared recording, chronology and MDT session logs.",
    )
