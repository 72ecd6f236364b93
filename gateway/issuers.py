"""Trusted token issuers as configuration: who may sign access tokens, and what names a person.

`FSM_AUTH_ISSUERS` is a JSON list; each entry is one identity provider:

- `kind: "entra"`: a Microsoft Entra ID tenant. Its v1 (`https://sts.windows.net/<tid>/`) and
  v2 (`https://login.microsoftonline.com/<tid>/v2.0`) issuers are both trusted, with the
  tenant's one JWKS; a practitioner is named by `oid` (the object id an administrator sees in
  the Entra portal), never by the pairwise `sub`, and every token must carry the pinned `tid`.
  `audiences` lists the application id URI (what v1 tokens carry) and the client id (v2).
- `kind: "oidc"`: any other OpenID provider (Keycloak: `https://<host>/realms/<realm>`), with
  its `jwks_url` and the `claim` that names a practitioner (`sub` by default).

Each provider has a `name` (the namespace its identities live under in the directory;
`entra:<tid>` or the issuer URL by default). `lookup: "subject"` matches the claim against the
practitioner's directory `subject` instead, as the single-issuer settings (`FSM_AUTH_ISSUER`)
and development tokens always do. An optional `roles` mapping turns the provider's app roles
or groups into ours (gateway/role_mapping.py).
"""

from __future__ import annotations

import re
from typing import Annotated, Final, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, model_validator

from gateway.role_mapping import RoleMappingConfig

ENTRA_AUTHORITY: Final = "https://login.microsoftonline.com"
ENTRA_V1_ISSUER: Final = "https://sts.windows.net/{tenant}/"
ENTRA_V2_ISSUER: Final = ENTRA_AUTHORITY + "/{tenant}/v2.0"
ENTRA_JWKS: Final = ENTRA_AUTHORITY + "/{tenant}/discovery/v2.0/keys"
_GUID: Final = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CLAIM: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$")
_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,199}$")

Lookup = Literal["identity", "subject"]


class _Issuer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str | None, Field(pattern=_NAME.pattern)] = None
    audiences: tuple[str, ...] = Field(min_length=1)
    jwks_url: AnyHttpUrl | None = None
    lookup: Lookup = "identity"
    roles: RoleMappingConfig | None = None

    @model_validator(mode="after")
    def _audiences_are_names(self) -> _Issuer:
        if any(not audience or not audience.isprintable() for audience in self.audiences):
            raise ValueError("audiences must be non-empty printable strings")
        return self


class EntraIssuer(_Issuer):
    """A Microsoft Entra ID tenant: v1 and v2 tokens, `oid` names the person, `tid` pinned."""

    kind: Literal["entra"]
    tenant_id: str
    # Both by default: a tenant's app registration decides which version its tokens have.
    versions: tuple[Literal["v1", "v2"], ...] = ("v1", "v2")

    @model_validator(mode="after")
    def _tenant_is_a_guid(self) -> EntraIssuer:
        # "common" or "organizations" would trust every tenant in the world.
        if not _GUID.match(self.tenant_id):
            raise ValueError("tenant_id must be the tenant's GUID (lower case)")
        if not self.versions:
            raise ValueError("versions must name v1, v2 or both")
        return self

    @property
    def claim(self) -> str:
        return "oid"

    @property
    def issuers(self) -> tuple[str, ...]:
        """The `iss` values this tenant's tokens carry."""
        templates = {"v1": ENTRA_V1_ISSUER, "v2": ENTRA_V2_ISSUER}
        return tuple(templates[v].format(tenant=self.tenant_id) for v in self.versions)

    @property
    def key(self) -> str:
        return self.name or f"entra:{self.tenant_id}"

    @property
    def keys_url(self) -> str:
        return str(self.jwks_url) if self.jwks_url else ENTRA_JWKS.format(tenant=self.tenant_id)

    @property
    def pinned_claims(self) -> dict[str, str]:
        return {"tid": self.tenant_id}


class OidcIssuer(_Issuer):
    """Any other OpenID provider (Keycloak, ...): one issuer, its JWKS, a naming claim."""

    kind: Literal["oidc"]
    issuer: str = Field(min_length=1)
    claim: str = Field(default="sub", pattern=_CLAIM.pattern)
    jwks_url: AnyHttpUrl

    @property
    def issuers(self) -> tuple[str, ...]:
        return (self.issuer,)

    @property
    def key(self) -> str:
        return self.name or self.issuer

    @property
    def keys_url(self) -> str:
        return str(self.jwks_url)

    @property
    def pinned_claims(self) -> dict[str, str]:
        return {}


IssuerConfig = Annotated[EntraIssuer | OidcIssuer, Field(discriminator="kind")]


def check_issuers(issuers: tuple[EntraIssuer | OidcIssuer, ...], *, production: bool) -> None:
    """Refuse a list of issuers that would be ambiguous or unsafe; raise ValueError."""
    seen_iss: set[str] = set()
    seen_keys: set[str] = set()
    for entry in issuers:
        if entry.key in seen_keys:
            raise ValueError(f"FSM_AUTH_ISSUERS: two issuers are named {entry.key!r}")
        seen_keys.add(entry.key)
        for iss in entry.issuers:
            if iss in seen_iss:
                raise ValueError(f"FSM_AUTH_ISSUERS: {iss!r} is listed twice")
            seen_iss.add(iss)
        if production and not entry.keys_url.startswith("https://"):
            raise ValueError("FSM_AUTH_ISSUERS: JWKS URLs must use https in production")
    if sum(entry.lookup == "subject" for entry in issuers) > 1:
        # Two providers naming people in one namespace could name two people alike.
        raise ValueError("FSM_AUTH_ISSUERS: at most one issuer may use lookup 'subject'")
