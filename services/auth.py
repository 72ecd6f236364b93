"""Dependencies that hand handlers the authenticated principal and check roles.

Async, like every dependency here that does no blocking work: FastAPI runs a plain `def`
dependency in a worker thread, a hand-off that cost more than the check itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from services.errors import Forbidden, Unauthorized, raises
from services.principal import Principal, principal_of


@raises(401)
async def current_principal(request: Request) -> Principal:
    """The principal the gateway vouched for; absent only if middleware was bypassed."""
    principal = principal_of(request.scope)
    if principal is None:
        raise Unauthorized()
    return principal


# The council's data protection officer: reads every unit's access log, governs retention and
# legal holds; holds no team and reads no case record through this role.
DPO_ROLE = "dpo"
# Case-file auditors: read their own teams' cases and those cases' access log (and, in the
# pathway, the Supporting Families claims drawn for audit).
AUDITOR_ROLE = "auditor"
# The council's Supporting Families team: checks and claims for every team's families
# (pathway_api/claims/); holds no team and reads no case record through this role.
SUPPORTING_FAMILIES_ROLE = "supporting_families"

CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_any_role(*roles: str) -> Callable[[Principal], Awaitable[Principal]]:
    """Build a dependency that lets through principals holding at least one of `roles`."""
    wanted = frozenset(roles)

    @raises(403)
    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.roles.isdisjoint(wanted):
            raise Forbidden()
        return principal

    return dependency
