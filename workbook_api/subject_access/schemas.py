"""Subject access requests and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from services.schemas import Input, ReadModel

TEXT = Field(min_length=1, max_length=2000, pattern=r"^[^\x00]*\S[^\x00]*$")
NAME = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]*\S[^\x00-\x1f]*$")
Relationship = Literal["self", "parent", "solicitor", "advocate", "other_representative"]
Reason = Literal[
    "family_member",
    "member_of_public",
    "other_persons_restricted_detail",
    "reviewer",
    "withdrawn_in_error",
]
RecordStatus = Literal["final", "draft", "withdrawn"]


class SarCreate(Input):
    """A subject access request as received: who asks, about whom, and when it arrived."""

    person_id: UUID = Field(description="The data subject: a person on the record")
    requester_name: str = NAME
    requester_relationship: Relationship = Field(description="Who the requester is to them")
    received_on: date = Field(description="The day the request arrived (the month runs from it)")


class SarExtend(Input):
    """Extend the deadline once, by one or two further months, with the reason."""

    months: int = Field(ge=1, le=2)
    reason: str = TEXT


class SarRead(ReadModel):
    """A subject access request and its deadline."""

    id: UUID
    person_id: UUID
    family_id: UUID
    requester_name: str
    requester_relationship: str
    received_on: date
    due_on: date
    extended_due_on: date | None
    extension_reason: str | None
    status: str
    overdue: bool
    registered_by_name: str
    created_at: datetime


class ExportRead(ReadModel):
    """An export job: gathering (with progress), in review, being bundled, bundled or failed."""

    id: UUID
    request_id: UUID
    status: str
    cases_total: int
    cases_done: int
    items_found: int
    failure: str | None
    created_at: datetime
    finished_at: datetime | None


class SectionRead(ReadModel):
    """One part of a record found, as gathered (before redaction)."""

    label: str
    text: str


class ItemRead(ReadModel):
    """One record found about the subject."""

    id: UUID
    position: int
    unit: str
    kind: str
    record_id: str
    case_id: UUID | None
    occurred_at: datetime
    title: str
    author: str | None
    record_status: RecordStatus = Field(
        description="Part of the record (final), a draft not part of it yet, or withdrawn"
        " as recorded in error (its first section says when, by whom and why)"
    )
    sections: list[SectionRead]


class RedactionRead(ReadModel):
    """A redaction: proposed, confirmed or removed; `text` is what it covers."""

    id: UUID
    item_id: UUID
    section: int
    start: int
    end: int
    text: str
    reason: str
    third_party: str | None
    decision: str
    note: str | None
    decided_at: datetime | None


class RedactionDecide(Input):
    """Confirm or remove a proposed redaction (a note says why, when removing)."""

    decision: Literal["confirmed", "removed"]
    note: str | None = Field(default=None, min_length=1, max_length=2000)


class RedactionAdd(Input):
    """A redaction the reviewer adds: a span of one section of one record."""

    item_id: UUID
    section: int = Field(ge=0, le=100)
    start: int = Field(ge=0, le=1_000_000)
    end: int = Field(ge=1, le=1_000_000)
    third_party: str | None = Field(default=None, min_length=1, max_length=200)
    note: str = TEXT


class ConfirmedCount(ReadModel):
    """How many proposals were confirmed at once."""

    confirmed: int


class BundleRead(ReadModel):
    """A produced bundle: what it holds and the hashes that identify it."""

    id: UUID
    export_id: UUID
    pdf_sha256: str
    json_sha256: str
    items: int
    redactions: int
    produced_at: datetime


class DisclosureCreate(Input):
    """The bundle was sent: to whom, how and when."""

    disclosed_to: str = NAME
    method: Literal["post", "secure_email", "in_person"]
    disclosed_on: date


class DisclosureRead(ReadModel):
    """What was disclosed (the bundle's hashes), to whom, when and by whom."""

    id: UUID
    request_id: UUID
    bundle_id: UUID
    pdf_sha256: str
    json_sha256: str
    disclosed_to: str
    method: str
    disclosed_on: date
    disclosed_by_name: str
    recorded_at: datetime
