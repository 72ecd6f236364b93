"""The Group Case Supervision service."""

from fastapi import FastAPI

from services.app import create_service_app
from services.inbox import Inbox
from services.registry import SUPERVISION
from services.settings import KernelSettings
from services.subject_access.router import subject_records_router
from supervision_api.cadence.router import router as cadence_router
from supervision_api.calendar.router import router as calendar_router
from supervision_api.changes.router import router as changes_router
from supervision_api.meetings.router import router as meetings_router
from supervision_api.models import kernel, projection
from supervision_api.records.router import router as records_router
from supervision_api.retention import copies as retention_copies
from supervision_api.schedule.router import router as schedule_router
from supervision_api.subject_access import records_about


def create_app(settings: KernelSettings | None = None) -> FastAPI:
    """Build the supervision service app."""
    return create_service_app(
        unit=SUPERVISION,
        settings=settings or KernelSettings(),
        kernel=kernel,
        routers=[
            cadence_router,
            meetings_router,
            records_router,
            calendar_router,
            schedule_router,
            changes_router,
            subject_records_router(SUPERVISION, records_about),
        ],
        inbox=retention_copies.register(projection.register(Inbox())),
        title="Group Case Supervision",
        description="Monthly group case supervision for every family: cadence, meetings, "
        "decisions and actions.",
    )
