"""Dependencies that hand handlers the authenticated principal and check roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from services.errors import Forbidden, Unauthorized, raises
from services.principal import Principal, principal_of


@raises(401)
def current_principal(request: Request) -> Principal:
    """The principal the gateway vouched for; absent only if middleware was bypassed."""
    principal = principal_of(request.scope)
    if principal is None:
        raise Unauthorized()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_any_role(*roles: str) -> Callable[[Principal], Principal]:
    """Build a dependency that lets through principals holding at least one of `roles`."""
    wanted = frozenset(roles)

    @raises(403)
    def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.roles.isdisjoint(wanted):
            raise Forbidden()
        return principal

    return dependency
