"""The Eight Module Intervention Programme and Parenting Assessment service."""

from fastapi import FastAPI

from intervention_api.assessments.router import router as assessments
from intervention_api.changes.router import router as changes_router
from intervention_api.enrolments.router import router as enrolments_router
from intervention_api.models import kernel, projection
from intervention_api.practice.router import router as practice_router
from intervention_api.programmes.router import router as programmes_router
from intervention_api.retention import copies as retention_copies
from intervention_api.sessions.router import router as sessions_router
from intervention_api.subject_access import records_about
from services.app import create_service_app
from services.inbox import Inbox
from services.registry import INTERVENTION
from services.settings import KernelSettings
from services.subject_access.router import subject_records_router


def create_app(settings: KernelSettings | None = None) -> FastAPI:
    """Build the intervention service app."""
    return create_service_app(
        unit=INTERVENTION,
        settings=settings or KernelSettings(),
        kernel=kernel,
        routers=[
            programmes_router,
            enrolments_router,
            sessions_router,
            practice_router,
            assessments,
            changes_router,
            subject_records_router(INTERVENTION, records_about),
        ],
        inbox=retention_copies.register(projection.register(Inbox())),
        title="Intervention Programme",
        description="The eight module intervention programme and the parenting assessment.",
    )
