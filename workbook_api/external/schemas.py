"""Records as the system of record states them (upsert bodies and import rows), and reads.

A record says what the system of record holds. An optional member it leaves out (or sends
empty) never erases what the workbook holds: the system of record fills and corrects, it does
not blank out what a practitioner recorded.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, StringConstraints, field_validator, model_validator

from services.event_contracts import FAMILY_SAFEGUARDING, CaseKind
from services.schemas import Input, ReadModel
from workbook_api.cases.schemas import AllocationRead, CaseRead
from workbook_api.families.identifiers import normalise_identifier
from workbook_api.families.schemas import FamilyRead, MemberRead, MemberRole, Sex

RecordType = Literal["family", "person", "case", "allocation"]
# A key as systems of record write them: letters and digits, with '.', '_' and '-' inside.
EXTERNAL_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
ExternalKey = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=EXTERNAL_KEY_PATTERN, max_length=64)
]
SYSTEM_PATTERN = r"^[a-z][a-z0-9_-]{1,31}$"
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]
Discipline = Annotated[
    str, StringConstraints(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")
]


def _no_nul(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError("Must not contain NUL characters.")
    return value


class FamilyRecord(Input):
    """A family as the system of record holds it."""

    name: Text200
    owning_team_id: UUID

    _nul = field_validator("name")(_no_nul)


class PersonRecord(Input):
    """A person, a member of one family, as the system of record holds them.

    People are matched on their external id first; a person the workbook does not know by it
    is matched on NHS number, UPN and local id, and an uncertain match goes to a manager.
    """

    family_external_id: ExternalKey = Field(
        description="The external id (in the same system) of the family the person belongs to"
    )
    role: MemberRole
    given_name: Name
    family_name: Name
    date_of_birth: date | None = None
    expected_date_of_birth: date | None = None
    sex: Sex | None = None
    gender: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    nhs_number: str | None = Field(default=None, max_length=16)
    upn: str | None = Field(default=None, max_length=16)
    local_id: str | None = Field(
        default=None,
        max_length=64,
        description="Another local id the person is known by (a legacy system's), for matching",
    )

    _nul = field_validator("given_name", "family_name", "gender")(_no_nul)

    @field_validator("nhs_number")
    @classmethod
    def _nhs(cls, value: str | None) -> str | None:
        return None if value is None else normalise_identifier("nhs_number", value)

    @field_validator("upn")
    @classmethod
    def _upn(cls, value: str | None) -> str | None:
        return None if value is None else normalise_identifier("upn", value)

    @field_validator("local_id")
    @classmethod
    def _local(cls, value: str | None) -> str | None:
        return None if value is None else normalise_identifier("system_of_record", value)

    @model_validator(mode="after")
    def _birth(self) -> PersonRecord:
        if self.date_of_birth is not None and self.expected_date_of_birth is not None:
            raise ValueError("Give a date of birth or an expected date of birth, not both.")
        if self.date_of_birth is not None and self.date_of_birth > datetime.now(UTC).date():
            raise ValueError("A date of birth cannot be in the future.")
        if self.expected_date_of_birth is not None and self.role != "child":
            raise ValueError("Only a child can have an expected date of birth.")
        return self


class CaseRecord(Input):
    """A family's involvement as the system of record holds it; closed when `closed_at` is set."""

    family_external_id: ExternalKey
    owning_team_id: UUID
    kind: CaseKind = Field(
        default=FAMILY_SAFEGUARDING,
        description="Family Safeguarding (statutory) or early help; never changes once created",
    )
    opened_at: AwareDatetime
    opened_reason: Reason | None = Field(
        default=None, description="Default: that it was opened in the system of record"
    )
    closed_at: AwareDatetime | None = None
    closed_reason: Reason | None = Field(
        default=None, description="Default: that it was closed in the system of record"
    )

    _nul = field_validator("opened_reason", "closed_reason")(_no_nul)

    @model_validator(mode="after")
    def _times(self) -> CaseRecord:
        now = datetime.now(UTC)
        if self.opened_at > now:
            raise ValueError("opened_at cannot be in the future.")
        if self.closed_at is not None and not self.opened_at <= self.closed_at <= now:
            raise ValueError("closed_at must be between opened_at and now.")
        if self.closed_at is None and self.closed_reason is not None:
            raise ValueError("closed_reason needs closed_at.")
        return self


class AllocationRecord(Input):
    """A practitioner's involvement with a case, as the system of record holds it."""

    case_external_id: ExternalKey
    practitioner_id: UUID = Field(description="The practitioner as the directory knows them")
    discipline: Discipline
    is_allocated_social_worker: bool = False
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    ended_reason: Annotated[str, StringConstraints(min_length=1, max_length=500)] | None = None

    _nul = field_validator("ended_reason")(_no_nul)

    @model_validator(mode="after")
    def _period(self) -> AllocationRecord:
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at.")
        return self


class ExternalIdRead(ReadModel):
    """A key another system knows a record by, and how it came to name it."""

    system: str
    value: str
    matched_on: str | None = Field(
        description="How the key was linked to a record that already existed (None: the "
        "system of record created the record)"
    )
    created_at: datetime


class ExternalIdLink(Input):
    """Say which key a system of record knows an existing record by."""

    value: ExternalKey


class ExternalFamilyRead(FamilyRead):
    """A family with the keys other systems know it by."""

    external_ids: list[ExternalIdRead]


class ExternalMemberRead(MemberRead):
    """A person with the keys other systems know them by."""

    external_ids: list[ExternalIdRead]


class ExternalCaseRead(CaseRead):
    """A case with the keys other systems know it by."""

    external_ids: list[ExternalIdRead]


class ExternalAllocationRead(AllocationRead):
    """An allocation with the keys other systems know it by."""

    external_ids: list[ExternalIdRead]


ReviewStatus = Literal["pending", "linked", "created", "rejected"]


class CandidateRead(ReadModel):
    """A person the incoming record may be: what matched, what disagrees, and who they are."""

    person_id: UUID
    family_id: UUID | None
    owning_team_id: UUID | None
    matched_on: list[str] = Field(description="nhs_number, upn, local_id")
    conflicts: list[str] = Field(
        description="What disagrees: family, nhs_number, upn, date_of_birth, or external_id "
        "(the person is already another of the system of record's records)"
    )
    person: MemberRead | None = Field(
        description="The candidate as you may see them; None when their family is not yours "
        "to see (ask the team that owns it)"
    )


class MatchReviewRead(ReadModel):
    """A person record waiting for (or given) a manager's decision."""

    id: UUID
    status: ReviewStatus
    system: str
    external_id: str
    family_id: UUID
    team_ids: list[UUID]
    record: PersonRecord
    candidates: list[CandidateRead]
    import_job_id: UUID | None
    import_row: int | None
    person_id: UUID | None
    decision_reason: str | None
    resolved_by_practitioner_id: UUID | None
    resolved_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class MatchReviewDecision(Input):
    """A manager's decision on a review: link to a candidate, create a new person, or reject."""

    decision: Literal["link", "create", "reject"]
    person_id: UUID | None = Field(default=None, description="The candidate to link to")
    reason: Reason

    _nul = field_validator("reason")(_no_nul)

    @model_validator(mode="after")
    def _person_for_link(self) -> MatchReviewDecision:
        if (self.decision == "link") != (self.person_id is not None):
            raise ValueError("person_id is given with a link, and only then.")
        return self
