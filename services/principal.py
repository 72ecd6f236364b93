"""The authenticated practitioner a request acts for, and where a request carries it."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from starlette.types import Scope

# The one scope key for the principal: the internal-auth middleware (or the gateway, for its
# own routes) attaches it, and `principal_of` is the only reader.
_SCOPE_KEY = "fsm.principal"
# The gateway's internal token the principal came with, for calls made on the caller's behalf
# (services/unit_calls.py); never logged, never put in a response.
_CREDENTIAL_KEY = "fsm.internal_token"


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


def attach_principal(scope: Scope, principal: Principal, *, credential: str | None = None) -> None:
    """Record who a request acts for, and the internal token that says so if there is one;
    only authenticating middleware calls this."""
    scope[_SCOPE_KEY] = principal
    if credential is not None:
        scope[_CREDENTIAL_KEY] = credential


def principal_of(scope: Scope) -> Principal | None:
    """The principal a request acts for, or None before (or without) authentication."""
    principal = scope.get(_SCOPE_KEY)
    return principal if isinstance(principal, Principal) else None


def credential_of(scope: Scope) -> str | None:
    """The internal token the request's principal came with, or None."""
    credential = scope.get(_CREDENTIAL_KEY)
    return credential if isinstance(credential, str) else None
