"""Request and response bodies of the directory API."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from services.schemas import drop_null

_EMAIL_TEXT = r"[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+"
_EMAIL = re.compile(_EMAIL_TEXT)
# As documented: the address may come with spaces around it, which are trimmed.
EMAIL_PATTERN = rf"^\s*{_EMAIL_TEXT}\s*$"
EMAIL_MAX = 254


def _unique_roles(values: list[str]) -> list[str]:
    return sorted(set(values))


def _email(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().lower()
    if len(value) > EMAIL_MAX or not _EMAIL.fullmatch(value):
        raise ValueError("not an email address")
    return value


# No control characters: they have no place in a name, and PostgreSQL text refuses NUL.
Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]
TeamCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$"),
]
DisciplineCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
# A role is lower-case letters, digits and underscores (in the pattern, so documented too).
Role = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Roles = Annotated[list[Role], Field(max_length=16), AfterValidator(_unique_roles)]
Email = Annotated[
    str | None,
    AfterValidator(_email),
    Field(json_schema_extra={"pattern": EMAIL_PATTERN, "maxLength": EMAIL_MAX}),
]
# The IdP's `sub`: opaque, printable, bounded.
Subject = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=255, pattern=r"^[^\s\x00-\x1f\x7f]+$"
    ),
]
RoleInTeam = Literal["member", "manager"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _document_patch(schema: dict[str, Any], model: type[BaseModel]) -> None:
    # Something must change; a field left out is left alone, and sent as null it is refused
    # unless it may be cleared.
    schema["minProperties"] = 1
    nullable: frozenset[str] = getattr(model, "_nullable", frozenset())
    drop_null(schema, [name for name in schema.get("properties", {}) if name not in nullable])


class _Patch(_Input):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_document_patch)

    @model_validator(mode="after")
    def _something_to_change(self) -> _Patch:
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        for name in self.model_fields_set:
            if getattr(self, name) is None and name not in self._nullable:
                raise ValueError(f"{name} cannot be null")
        return self

    _nullable: ClassVar[frozenset[str]] = frozenset()


class DisciplineRead(BaseModel):
    """A discipline a practitioner can hold."""

    code: str
    label: str
    is_adult_specialist: bool
    active: bool


class TeamCreate(_Input):
    """A new team."""

    name: Name
    code: TeamCode


class TeamUpdate(_Patch):
    """Changes to a team; only the fields sent are changed."""

    name: Name | None = None
    code: TeamCode | None = None
    active: bool | None = None


class TeamRead(BaseModel):
    """A team."""

    id: UUID
    name: str
    code: str
    active: bool
    created_at: datetime
    updated_at: datetime


class PractitionerCreate(_Input):
    """A new practitioner, known to the identity provider as `subject`."""

    subject: Subject
    display_name: Name
    email: Email = None
    discipline: DisciplineCode
    roles: Roles = Field(default_factory=lambda: ["practitioner"])


class PractitionerUpdate(_Patch):
    """Changes to a practitioner; only the fields sent are changed."""

    display_name: Name | None = None
    email: Email = None
    discipline: DisciplineCode | None = None
    roles: Roles | None = None

    _nullable: ClassVar[frozenset[str]] = frozenset({"email"})


class PractitionerRead(BaseModel):
    """A practitioner's directory record."""

    id: UUID
    subject: str
    display_name: str
    email: str | None
    discipline: str
    roles: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class MembershipCreate(_Input):
    """A practitioner joining a team (from `valid_from`, until `valid_to`, exclusive)."""

    team_id: UUID
    role_in_team: RoleInTeam = "member"
    valid_from: date | None = None
    valid_to: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> MembershipCreate:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("valid_to must not be before valid_from")
        return self


class MembershipEnd(_Input):
    """When a membership ends (exclusive); today, in Europe/London, when omitted."""

    valid_to: date | None = None


class MembershipRead(BaseModel):
    """A practitioner's membership of a team."""

    id: UUID
    practitioner_id: UUID
    team_id: UUID
    team_name: str
    role_in_team: str
    valid_from: date | None
    valid_to: date | None
    current: bool
    created_at: datetime


class TeamRef(BaseModel):
    """A team as /me shows it."""

    id: UUID
    name: str
    code: str
    role_in_team: str


class MeRead(BaseModel):
    """The signed-in practitioner as the gateway resolved them."""

    subject: str
    practitioner_id: UUID
    display_name: str
    discipline: str
    roles: list[str]
    team_ids: list[UUID]
    managed_team_ids: list[UUID]
    teams: list[TeamRef]
