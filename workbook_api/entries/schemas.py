"""Request and response bodies for workbook entries and MDT session logs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from services.concurrency import etag_for
from services.schemas import ReadModel, not_nullable
from workbook_api.entries.models import NARRATIVE_MAX, REASON_MAX, SUMMARY_MAX

Sensitivity = Literal["standard", "restricted"]
EntryStatus = Literal["draft", "final", "withdrawn"]
MAX_PEOPLE = 50
MAX_FIELDS = 100


def _not_blank(value: str) -> str:
    # A whitespace-only summary or reason would satisfy "required" while saying nothing.
    if not value.strip():
        raise ValueError("must not be blank")
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail at the database.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _plausible_event_time(value: datetime) -> datetime:
    # Catches a mistyped year; the future bound needs the server clock (see entries.service).
    if value < EARLIEST_EVENT:
        raise ValueError("must be after 1900")
    return value


# What _not_blank accepts, for the document: something other than whitespace, and no NUL.
NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"
_DOCUMENT_NOT_BLANK = {"pattern": NOT_BLANK}
EARLIEST_EVENT = datetime(1900, 1, 1, tzinfo=UTC)
EventTime = Annotated[AwareDatetime, AfterValidator(_plausible_event_time)]
Narrative = Annotated[
    str,
    Field(min_length=1, max_length=NARRATIVE_MAX, json_schema_extra=_DOCUMENT_NOT_BLANK),
    AfterValidator(_not_blank),
]
ShareableSummary = Annotated[
    str,
    Field(min_length=1, max_length=SUMMARY_MAX, json_schema_extra=_DOCUMENT_NOT_BLANK),
    AfterValidator(_not_blank),
]
Reason = Annotated[
    str,
    Field(min_length=1, max_length=REASON_MAX, json_schema_extra=_DOCUMENT_NOT_BLANK),
    AfterValidator(_not_blank),
]
EntryTypeCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
PersonIds = Annotated[list[UUID], Field(max_length=MAX_PEOPLE)]
SessionFieldValues = Annotated[dict[str, Any], Field(max_length=MAX_FIELDS)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Members that may be left out (unchanged) but never sent as null (entries.service refuses it).
NOT_NULL = ("event_at", "person_ids", "significant", "sensitivity")


class EntryContent(_Input):
    """What an entry says; every member optional so drafts and amendments can send only changes."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=not_nullable(*NOT_NULL))

    event_at: EventTime | None = Field(
        default=None, description="When the recorded event happened (not when it was typed)."
    )
    person_ids: PersonIds | None = Field(
        default=None, description="Family members the entry concerns."
    )
    significant: bool | None = Field(default=None, description="Feeds the chronology.")
    sensitivity: Sensitivity | None = None
    narrative: Narrative | None = Field(
        default=None, description="The detail; withheld from others when restricted."
    )
    shareable_summary: ShareableSummary | None = Field(
        default=None, description="What everyone on the case may read; required when restricted."
    )
    fields: SessionFieldValues | None = Field(
        default=None,
        description="MDT session fields, validated against the discipline configuration.",
    )

    def content(self) -> EntryContent:
        """Only the content members of a body, keeping which ones the client actually sent."""
        sent = self.model_dump(
            include=set(EntryContent.model_fields) & self.model_fields_set, exclude_unset=True
        )
        return EntryContent.model_validate(sent)


class EntryCreate(EntryContent):
    """A new entry; saved as a draft unless `finalise` is true."""

    entry_type: EntryTypeCode
    event_at: EventTime
    finalise: bool = False


class SessionLogCreate(EntryContent):
    """A new MDT session log with a parent; saved as a draft unless `finalise` is true."""

    event_at: EventTime
    person_ids: PersonIds = Field(min_length=1, description="The parent(s) the session was with.")
    fields: SessionFieldValues = Field(default_factory=dict)
    finalise: bool = False


class EntryDraftUpdate(EntryContent):
    """Changes to a draft; members left out stay as they are."""


class EntryAmendment(EntryContent):
    """A correction of a final entry, kept in its history with the reason for it."""

    reason: Reason


class EntryWithdrawal(_Input):
    """Withdraw a final entry as entered in error; it stays on record, marked withdrawn."""

    reason: Reason


class EntryRevisionOut(ReadModel):
    """One final version of an entry, with restricted detail only for those who may read it."""

    revision: int
    entry_type: str
    event_at: datetime
    significant: bool
    sensitivity: Sensitivity
    restricted: bool
    detail_withheld: bool
    person_ids: list[UUID]
    narrative: str | None
    shareable_summary: str | None
    fields: dict[str, Any] | None
    restricted_fields: dict[str, Any] | None
    config_version: str | None
    reason: str | None
    recorded_by_id: UUID
    recorded_by_name: str
    recorded_at: datetime


class EntryOut(ReadModel):
    """An entry in its current revision, as this caller may see it.

    Built from a row of `entries.repository.select_entries` (which decides what is withheld),
    or from an entry its writer just changed, as `EntryOut.of(entry, episode_number=n)`: a
    writer is its author or the team's manager, who may read all of it.
    """

    id: UUID
    case_id: UUID
    episode_id: UUID
    episode_number: int
    entry_type: str
    status: EntryStatus
    author_id: UUID
    author_name: str
    discipline: str
    event_at: datetime
    recorded_at: datetime
    finalised_at: datetime | None
    updated_at: datetime
    significant: bool
    sensitivity: Sensitivity
    restricted: bool = Field(description="The entry is restricted.")
    detail_withheld: bool = Field(
        description="True when the caller may not read the restricted detail."
    )
    person_ids: list[UUID]
    narrative: str | None
    shareable_summary: str | None
    fields: dict[str, Any] | None
    restricted_fields: dict[str, Any] | None
    config_version: str | None
    revision: int
    withdrawn_at: datetime | None
    withdrawn_by_name: str | None
    withdrawn_reason: str | None
    etag: str
    revisions: list[EntryRevisionOut] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_record(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if "etag" not in data and "version" in data:
                data = {**data, "etag": etag_for(data["id"], data["version"])}
            return data
        values = {name: getattr(data, name) for name in cls.model_fields if hasattr(data, name)}
        values.setdefault("restricted", data.sensitivity == "restricted")
        values.setdefault("detail_withheld", False)
        values["etag"] = etag_for(data.id, data.version)
        return values
