"""Who a verified token names: an identity in one provider's namespace, and its role grant."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from gateway.role_mapping import RoleGrant, RoleMappingConfig
from services.jose import TokenRejected

MAX_IDENTITY_CHARS: Final = 255


@dataclass(frozen=True, slots=True)
class Identity:
    """A person as one identity provider names them.

    `issuer` is the provider's namespace in the directory (`entra:<tid>`, a Keycloak realm's
    issuer URL); None means the practitioner's directory `subject`, which the single-issuer
    settings and development tokens match.
    """

    issuer: str | None
    value: str

    @property
    def label(self) -> str:
        """One string for logs, limits and the audit of a refusal."""
        return self.value if self.issuer is None else f"{self.issuer}|{self.value}"


@dataclass(frozen=True, slots=True)
class IdentityRule:
    """How one trusted issuer's verified claims name a person."""

    namespace: str | None
    claim: str = "sub"
    # Claims that must hold exactly these values (Entra: the tenant id).
    pinned: Mapping[str, str] = field(default_factory=dict)
    roles: RoleMappingConfig | None = None

    def identify(self, claims: Mapping[str, Any]) -> tuple[Identity, RoleGrant | None]:
        """Return the identity and role grant of verified claims; raise TokenRejected."""
        for name, expected in self.pinned.items():
            if claims.get(name) != expected:
                raise TokenRejected(f"invalid_claim:{name}")
        value = claims.get(self.claim)
        if value is None:
            raise TokenRejected(f"missing_claim:{self.claim}")
        if (
            not isinstance(value, str)
            or not value.strip()
            or len(value) > MAX_IDENTITY_CHARS
            or not value.isprintable()
        ):
            raise TokenRejected(f"invalid_claim:{self.claim}")
        grant = self.roles.grant(claims) if self.roles is not None else None
        return Identity(self.namespace, value), grant
