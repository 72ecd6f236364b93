"""The Eight Module Intervention Programme and Parenting Assessment service."""

from fastapi import FastAPI

from intervention_api.assessments.router import router as assessments
from intervention_api.models import kernel, projection
from services.app import create_service_app
from services.inbox import Inbox
from services.registry import INTERVENTION
from services.settings import KernelSettings


def create_app(settings: KernelSettings | None = None) -> FastAPI:
    """Build the intervention service app."""
    return create_service_app(
        unit=INTERVENTION,
        settings=settings or KernelSettings(),
        kernel=kernel,
        routers=[assessments],
        inbox=projection.register(Inbox()),
        title="Intervention Programme",
        description="The eight module intervention programme and the parenting assessment.",
    )
