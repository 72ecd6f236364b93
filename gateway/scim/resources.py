"""The SCIM resources we serve: what of a User and a Group the directory keeps.

Only what the directory stores is declared (and published at /scim/v2/Schemas): a client that
sends more (Entra's title, phone numbers, addresses, enterprise extension) has it ignored,
never stored, as `POLICY` says. Entra's PATCH habits (a `remove` carrying the value to
remove, a filter path naming an entry that does not exist yet) are accepted.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar, Final

from pydantic import Field
from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    ETag,
    Filter,
    Mutability,
    Patch,
    Required,
    Resource,
    ResourceType,
    Schema,
    ScimPolicy,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)
from scim2_models import Reference as ScimReference

MAX_RESULTS: Final = 100
POLICY: Final = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


class EmailType(StrEnum):
    """The one kind of address the directory keeps: the work one."""

    work = "work"


class WorkEmail(ComplexAttribute):
    """A practitioner's work email address."""

    value: Annotated[str | None, Required.true] = None
    type: EmailType | None = None


class PractitionerUser(Resource[Any]):
    """A practitioner as a SCIM User."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """How the identity provider names the person (Entra: userPrincipalName)."""

    display_name: Annotated[str | None, Required.true] = None
    """The name shown to colleagues."""

    emails: list[WorkEmail] | None = None
    """The work email address (one)."""

    Emails: ClassVar[type[ComplexAttribute]] = WorkEmail

    active: Annotated[bool | None, Required.true] = None
    """False once the person has left: they can no longer sign in."""


# Named by string: the resource type is "User", whatever our model is called.
UserReference = ScimReference["User"]  # type: ignore[name-defined]


class TeamMember(ComplexAttribute):
    """A practitioner in a team (members are Users: teams do not nest)."""

    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = None
    ref: Annotated[
        UserReference | None,
        Mutability.immutable,
    ] = Field(None, serialization_alias="$ref", validation_alias="$ref")
    type: Annotated[str | None, Mutability.immutable] = Field(None, examples=["User"])


class TeamGroup(Resource[Any]):
    """A team as a SCIM Group; its members are the team's current members."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:Group")

    display_name: Annotated[str | None, Required.true, Uniqueness.server] = None
    """The team's name."""

    members: list[TeamMember] | None = None
    """The practitioners in the team."""

    Members: ClassVar[type[ComplexAttribute]] = TeamMember


def service_provider_config(documentation: str) -> ServiceProviderConfig:
    """What this service supports, at /scim/v2/ServiceProviderConfig."""
    return ServiceProviderConfig(
        documentation_uri=documentation,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Bearer credential",
                description="The provisioning credential issued to this identity provider",
                primary=True,
            )
        ],
    )


RESOURCE_TYPES: Final = (
    ResourceType.from_resource(PractitionerUser),
    ResourceType.from_resource(TeamGroup),
)


def schemas() -> list[Schema]:
    """The schemas of the resources served, at /scim/v2/Schemas."""
    return [PractitionerUser.to_schema(), TeamGroup.to_schema()]
