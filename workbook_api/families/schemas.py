"""Request and response bodies for families, members, relationships and identifiers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field, ValidationInfo, field_validator, model_validator

from services.schemas import Input, ReadModel
from workbook_api.families.identifiers import normalise_identifier

MemberRole = Literal["child", "parent", "carer", "partner", "other_adult"]
RelationshipType = Literal["parent_of", "partner_of", "sibling_of", "carer_of", "other"]
IdentifierSystem = Literal["system_of_record", "nhs_number", "upn"]
Sex = Literal["female", "male", "indeterminate", "not_known"]

Name = Field(min_length=1, max_length=100)


class IdentifierIn(Input):
    """An identifier to attach to a person; the value is checked for its system."""

    system: IdentifierSystem
    value: str = Field(min_length=1, max_length=64)

    @field_validator("value")
    @classmethod
    def _valid_for_system(cls, value: str, info: ValidationInfo) -> str:
        system = info.data.get("system")
        if system is None:  # the system itself failed validation; say nothing more
            return value
        return normalise_identifier(system, value)


class IdentifierRead(ReadModel):
    """An identifier a person is known by elsewhere."""

    id: UUID
    system: IdentifierSystem
    value: str
    created_at: datetime


class MemberFields(Input):
    """Fields shared by creating and updating a member."""

    @model_validator(mode="after")
    def _one_birth_date(self) -> MemberFields:
        dob = getattr(self, "date_of_birth", None)
        expected = getattr(self, "expected_date_of_birth", None)
        if dob is not None and expected is not None:
            raise ValueError("Give a date of birth or an expected date of birth, not both.")
        if dob is not None and dob > date.today():
            raise ValueError("A date of birth cannot be in the future.")
        return self


class MemberCreate(MemberFields):
    """A new member of a family; an unborn child has an expected date of birth."""

    role: MemberRole
    given_name: str = Name
    family_name: str = Name
    preferred_name: str | None = Field(default=None, min_length=1, max_length=100)
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = None
    sex: Sex | None = None
    gender: str | None = Field(default=None, min_length=1, max_length=64)
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=10)

    @field_validator("identifiers")
    @classmethod
    def _distinct(cls, identifiers: list[IdentifierIn]) -> list[IdentifierIn]:
        keys = [(i.system, i.value) for i in identifiers]
        if len(set(keys)) != len(keys):
            raise ValueError("The same identifier is listed twice.")
        return identifiers

    @model_validator(mode="after")
    def _expected_only_for_children(self) -> MemberCreate:
        if self.expected_date_of_birth is not None and self.role != "child":
            raise ValueError("Only a child can have an expected date of birth.")
        return self


class MemberUpdate(MemberFields):
    """Changes to a member; fields left out stay as they are."""

    role: MemberRole | None = None
    given_name: str | None = Field(default=None, min_length=1, max_length=100)
    family_name: str | None = Field(default=None, min_length=1, max_length=100)
    preferred_name: str | None = Field(default=None, min_length=1, max_length=100)
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = None
    sex: Sex | None = None
    gender: str | None = Field(default=None, min_length=1, max_length=64)
    left_household_on: date | None = None

    @model_validator(mode="after")
    def _required_stay_set(self) -> MemberUpdate:
        for name in ("role", "given_name", "family_name"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be removed.")
        return self


class MemberRead(ReadModel):
    """A member of a family as the caller may see them."""

    id: UUID
    family_id: UUID
    role: MemberRole
    given_name: str
    family_name: str
    preferred_name: str | None
    date_of_birth: date | None
    expected_date_of_birth: date | None
    sex: Sex | None
    gender: str | None
    left_household_on: date | None
    identifiers: list[IdentifierRead]
    version: int
    created_at: datetime
    updated_at: datetime


class RelationshipCreate(Input):
    """How one member relates to another: "person_id is parent_of related_person_id"."""

    person_id: UUID
    related_person_id: UUID
    type: RelationshipType
    parental_responsibility: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> RelationshipCreate:
        if self.person_id == self.related_person_id:
            raise ValueError("A member cannot be related to themselves.")
        if self.parental_responsibility and self.type not in ("parent_of", "carer_of"):
            raise ValueError("Only a parent or carer holds parental responsibility.")
        return self


class RelationshipUpdate(Input):
    """Changes to a relationship: parental responsibility, or the date it ended."""

    parental_responsibility: bool | None = None
    ended_on: date | None = None


class RelationshipRead(ReadModel):
    """A relationship between two members of a family."""

    id: UUID
    family_id: UUID
    person_id: UUID
    related_person_id: UUID
    type: RelationshipType
    parental_responsibility: bool
    ended_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime


class FamilyCreate(Input):
    """A family to register, owned by one of the caller's teams, with its first members."""

    name: str = Field(min_length=1, max_length=200)
    owning_team_id: UUID
    members: list[MemberCreate] = Field(default_factory=list, max_length=30)


class FamilyUpdate(Input):
    """Changes to a family's own fields."""

    name: str = Field(min_length=1, max_length=200)


class FamilyRead(ReadModel):
    """A family without its members (as lists show it)."""

    id: UUID
    name: str
    owning_team_id: UUID
    version: int
    created_at: datetime
    updated_at: datetime


class FamilyDetail(FamilyRead):
    """A family with its members and the relationships between them."""

    members: list[MemberRead]
    relationships: list[RelationshipRead]


class PersonMatch(ReadModel):
    """A person found by identifier, with the family they belong to."""

    person: MemberRead
    family: FamilyRead
