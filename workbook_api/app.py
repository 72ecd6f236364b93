"""The Electronic Workbook service."""

from fastapi import FastAPI

from services.app import create_service_app
from services.registry import WORKBOOK
from services.settings import KernelSettings
from workbook_api.models import kernel


def create_app(settings: KernelSettings | None = None) -> FastAPI:
    """Build the workbook service app."""
    return create_service_app(
        unit=WORKBOOK,
        settings=settings or KernelSettings(),
        kernel=kernel,
        routers=[],
        title="Electronic Workbook",
        description="Families, cases, shared recording, chronology and MDT session logs.",
    )
