"""Load-or-404 dependencies on the projection, in the request kit's style.

Built per projection (each service's schema has its own tables), and reached through it:
`projection.visible_case`, `projection.managed_case`. A route names the case `{case_id}`:

    VisibleCase = Annotated[ProjectedCase, Depends(projection.visible_case)]

The order is the kit's: the case (404 for anyone who may not see it), then the standing the
action needs (403). Role checks (`require_any_role`) belong to the route, before these.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated
from uuid import UUID

from fastapi import Path

from services.auth import CurrentPrincipal
from services.errors import Forbidden, raises
from services.projection.access import CaseAccessRule, ProjectedCase
from services.unit_of_work import DbSession

CaseId = Annotated[UUID, Path(description="The case")]
CaseDependency = Callable[[UUID, CurrentPrincipal, DbSession], Awaitable[ProjectedCase]]


def visible_case_dependency(rule: CaseAccessRule) -> CaseDependency:
    """A dependency giving the case the caller may see, or 404."""

    @raises(404)
    async def visible_case(
        case_id: CaseId, principal: CurrentPrincipal, session: DbSession
    ) -> ProjectedCase:
        """A case the caller may see."""
        return await rule.load(session, principal, case_id)

    return visible_case


def managed_case_dependency(rule: CaseAccessRule) -> CaseDependency:
    """A dependency giving a case the caller manages, locked for the change; else 404 or 403."""

    @raises(403, 404)
    async def managed_case(
        case_id: CaseId, principal: CurrentPrincipal, session: DbSession
    ) -> ProjectedCase:
        """A case the caller manages (its team's managers and the system of record), locked."""
        case = await rule.load(session, principal, case_id, lock=True)
        if not case.may_manage:
            raise Forbidden("Only a manager of the team that owns this case can do this.")
        return case

    return managed_case
