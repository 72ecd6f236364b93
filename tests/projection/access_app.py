"""A service app on the supervision schema whose routes stand on the projection's dependencies.

Supervision's own routes are still to come; these three are the shapes they will take (a list
filtered by the rule in SQL, a case the caller may see, a case the caller manages), so the rule
and the dependencies are tested over HTTP exactly as a service uses them. The inbox is the
supervision app's own, so the projection is fed by signed deliveries.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import select

from services.app import create_service_app
from services.auth import CurrentPrincipal
from services.inbox import Inbox
from services.projection import ProjectedCase
from services.registry import SUPERVISION
from services.routing import kit_router
from services.settings import KernelSettings
from services.unit_of_work import DbSession
from supervision_api.models import kernel, projection

VisibleCase = Annotated[ProjectedCase, Depends(projection.visible_case)]
ManagedCase = Annotated[ProjectedCase, Depends(projection.managed_case)]


class Standing(BaseModel):
    """A case as the caller sees it in the projection, and what the caller is to it."""

    id: UUID
    status: str
    episode_number: int
    version: int
    allocated: bool
    allocated_social_worker: bool
    manages: bool
    may_work: bool
    may_manage: bool

    @classmethod
    def of(cls, case: ProjectedCase) -> Standing:
        return cls(
            id=case.id,
            status=case.status,
            episode_number=case.episode_number,
            version=case.version,
            allocated=case.allocated,
            allocated_social_worker=case.allocated_social_worker,
            manages=case.manages,
            may_work=case.may_work,
            may_manage=case.may_manage,
        )


router = kit_router(tags=["projection-test"])


@router.get("/cases", summary="List the projected cases the caller may see")
async def list_projected_cases(principal: CurrentPrincipal, session: DbSession) -> list[UUID]:
    """The ids of every projected case the caller may see, filtered in SQL."""
    cases = projection.tables.cases
    rows = await session.scalars(
        select(cases.c.id).where(projection.case_visible(principal, cases.c.id))
    )
    return list(rows)


@router.get("/cases/{case_id}", summary="Read a projected case")
async def read_projected_case(case: VisibleCase) -> Standing:
    """A case the caller may see, with their standing on it."""
    return Standing.of(case)


@router.post("/cases/{case_id}/decisions", summary="Take a manager's decision on a case")
async def decide_on_case(case: ManagedCase) -> Standing:
    """A case the caller manages (nothing is stored: the dependency is what is tested)."""
    return Standing.of(case)


def create_access_app(settings: KernelSettings) -> FastAPI:
    """The test app: the kernel, supervision's projection inbox, the routes above."""
    return create_service_app(
        unit=SUPERVISION,
        settings=settings,
        kernel=kernel,
        routers=[router],
        inbox=projection.register(Inbox()),
        title="Projection access test",
        description="Routes on the case projection's dependencies.",
    )
