"""Who may do what on a case in this unit: the projection's rule, with the workbook's roles.

Reading follows the case (`projection.visible_case`: allocated workers, the owning team's
managers and auditors, the system of record; anyone else gets the 404 of a missing case).
Working on it (enrolling, logging sessions, coding, recording progress) is for practitioners
and managers who work on the case: allocated now, or managing its team. Auditors and the
system of record only read; a closed case's programme is read-only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated
from uuid import UUID

from fastapi import Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.models import projection
from services.auth import require_any_role
from services.errors import Forbidden, ProblemError, raises
from services.principal import Principal
from services.projection import ProjectedCase
from services.projection.access import allocation_current

WORKING_ROLES = ("practitioner", "team_manager")
Worker = Annotated[Principal, Depends(require_any_role(*WORKING_ROLES))]
ReadableCase = Annotated[ProjectedCase, Depends(projection.visible_case)]


@raises(403, 409)
async def working_case(principal: Worker, case: ReadableCase) -> ProjectedCase:
    """A case the caller works on (allocated now, or its manager), open."""
    if not case.may_work:
        raise Forbidden("Only workers allocated to the case and its managers can do this.")
    if not case.is_open:
        raise ProblemError(409, "case-closed", "The case is closed: its programme is read-only.")
    return case


WorkingCase = Annotated[ProjectedCase, Depends(working_case)]


async def allocated_now(session: AsyncSession, case_id: UUID, ids: Iterable[UUID]) -> set[UUID]:
    """Which of `ids` hold an allocation on the case now."""
    wanted = set(ids)
    if not wanted:
        return set()
    allocations = projection.tables.allocations
    found = await session.scalars(
        select(allocations.c.practitioner_id).where(
            allocations.c.case_id == case_id,
            allocations.c.practitioner_id.in_(wanted),
            allocation_current(allocations),
        )
    )
    return set(found)
