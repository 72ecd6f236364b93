"""The authenticated practitioner a request acts for, and where a request carries it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from starlette.types import Scope

# The one scope key for the principal: the internal-auth middleware (or the gateway, for its
# own routes) attaches it, and `principal_of` is the only reader.
_SCOPE_KEY = "fsm.principal"


@dataclass(frozen=True, slots=True)
class Principal:
    """The practitioner a request acts for, resolved by the gateway from the directory."""

    subject: str
    practitioner_id: UUID
    display_name: str
    discipline: str
    roles: frozenset[str]
    team_ids: frozenset[UUID]
    managed_team_ids: frozenset[UUID]

    def has_role(self, role: str) -> bool:
        return role in self.roles


def attach_principal(scope: Scope, principal: Principal) -> None:
    """Record who a request acts for; only authenticating middleware calls this."""
    scope[_SCOPE_KEY] = principal


def principal_of(scope: Scope) -> Principal | None:
    """The principal a request acts for, or None before (or without) authentication."""
    principal = scope.get(_SCOPE_KEY)
    return principal if isinstance(principal, Principal) else None
