"""The family support pathway service."""

from fastapi import FastAPI

from pathway_api.models import kernel, projection
from services.app import create_service_app
from services.inbox import Inbox
from services.registry import PATHWAY
from services.settings import KernelSettings


def create_app(settings: KernelSettings | None = None) -> FastAPI:
    """Build the pathway service app."""
    return create_service_app(
        unit=PATHWAY,
        settings=settings or KernelSettings(),
        kernel=kernel,
        routers=[],
        inbox=projection.register(Inbox()),
        title="Family Support Pathway",
        description="Early help on the continuum of need: levels of need, consent, the "
        "plan-do-review lifecycle, Supporting Families screening, step up and step down.",
    )
