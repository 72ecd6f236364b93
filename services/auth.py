"""Dependencies that hand handlers the authenticated principal and check roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from services.errors import Forbidden, Unauthorized
from services.idempotency import PRINCIPAL_SCOPE_KEY
from services.principal import Principal


def current_principal(request: Request) -> Principal:
    """The principal the gateway vouched for; absent only if middleware was bypassed."""
    principal = request.scope.get(PRINCIPAL_SCOPE_KEY)
    if not isinstance(principal, Principal):
        raise Unauthorized()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_any_role(*roles: str) -> Callable[[Principal], Principal]:
    """Build a dependency that lets through principals holding at least one of `roles`."""
    wanted = frozenset(roles)

    def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.roles.isdisjoint(wanted):
            raise Forbidden()
        return principal

    return dependency
