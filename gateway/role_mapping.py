"""An identity provider's app roles or groups, mapped onto the directory's roles.

The mapping names the roles it governs (every role it can produce). Roles it does not govern
come from the directory alone, whatever the token says. A governed role is held:
- by default, only when the directory grants it *and* the token maps to it: the provider can
  take a role away (an administrator removed from the Entra app role loses it at once) but
  never give one the directory did not;
- with `widen: true`, whenever the token maps to it: the provider is then authoritative for
  the governed roles, and may grant what the directory does not.
Team roles (who manages which team) are never taken from a token.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_ROLE: Final = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_PATH: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_:-]{0,63}(\.[A-Za-z_][A-Za-z0-9_:.-]{0,63})*$")
MAX_TOKEN_VALUES: Final = 512


def _roles(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if not _ROLE.match(value):
            raise ValueError(f"{value!r} is not a directory role")
    return values


class RoleMappingConfig(BaseModel):
    """Which claim carries the provider's roles or groups, and what each one means here."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # A dotted path into the claims: `roles` (Entra app roles), `groups` (group object ids),
    # `realm_access.roles` (Keycloak realm roles).
    claim: Annotated[str, Field(pattern=_PATH.pattern)] = "roles"
    map: dict[str, Annotated[tuple[str, ...], AfterValidator(_roles)]] = Field(min_length=1)
    widen: bool = False

    @property
    def governed(self) -> frozenset[str]:
        """Every directory role the mapping can produce."""
        return frozenset(role for roles in self.map.values() for role in roles)

    def grant(self, claims: Mapping[str, Any]) -> RoleGrant:
        """What this token's roles or groups grant, to apply to the directory's roles."""
        granted: set[str] = set()
        for value in _values_at(claims, self.claim):
            granted.update(self.map.get(value, ()))
        return RoleGrant(self.governed, frozenset(granted), self.widen)


@dataclass(frozen=True, slots=True)
class RoleGrant:
    """The roles a token's provider governs and grants; applied per request."""

    governed: frozenset[str]
    granted: frozenset[str]
    widen: bool

    def apply(self, directory_roles: frozenset[str]) -> frozenset[str]:
        """The roles the caller holds for this request."""
        kept = directory_roles - self.governed
        if self.widen:
            return kept | self.granted
        return kept | (directory_roles & self.granted)


def _values_at(claims: Mapping[str, Any], path: str) -> list[str]:
    node: Any = claims
    for part in path.split("."):
        if not isinstance(node, Mapping):
            return []
        node = node.get(part)
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        # A token naming thousands of groups is cut off, never allowed to cost us more.
        return [value for value in node[:MAX_TOKEN_VALUES] if isinstance(value, str)]
    return []
