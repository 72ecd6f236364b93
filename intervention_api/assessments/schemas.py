"""Request and response bodies for parenting assessments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, Field, field_validator, model_validator

from intervention_api.assessments.models import (
    ANALYSIS_MAX,
    COMMENT_MAX,
    HEADING_MAX,
    TITLE_MAX,
)
from intervention_api.assessments.sections import MAX_SECTIONS
from services.concurrency import etag_for
from services.schemas import Input, ReadModel, not_nullable

AssessmentStatus = Literal["draft", "submitted", "signed_off"]
EvidenceKind = Literal["workbook_entry", "programme_session"]
TransitionAction = Literal["submitted", "returned", "signed_off", "superseded"]
MAX_EVIDENCE = 50

# Something other than whitespace, and no NUL (PostgreSQL text cannot hold it).
NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"
SECTION_KEY = r"^[a-z][a-z0-9_]{0,63}$"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _not_null(value: Any) -> Any:
    # Members that may be left out are never sent as null: the document says so (not_nullable).
    if value is None:
        raise ValueError("must not be null; leave the member out instead")
    return value


def _text(max_length: int) -> Any:
    return Field(min_length=1, max_length=max_length, pattern=NOT_BLANK)


Title = Annotated[str, _text(TITLE_MAX), AfterValidator(_not_blank)]
Heading = Annotated[str, _text(HEADING_MAX), AfterValidator(_not_blank)]
Analysis = Annotated[str, _text(ANALYSIS_MAX), AfterValidator(_not_blank)]
Comment = Annotated[str, _text(COMMENT_MAX), AfterValidator(_not_blank)]
SectionKey = Annotated[str, Field(pattern=SECTION_KEY)]
# Keys that do not match are refused, as the document says (patternProperties alone allows them).
ONLY_SECTION_KEYS: dict[str, Any] = {"additionalProperties": False}


class AssessmentCreate(Input):
    """Start a parenting assessment of a case: its first version, a draft."""

    case_id: UUID = Field(description="The case assessed.")
    title: Title = Field(description="What is assessed, e.g. whose parenting and for what.")
    sections: dict[SectionKey, Heading] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_SECTIONS,
        json_schema_extra=ONLY_SECTION_KEYS,
        description=(
            "Section keys and headings, in order; default: basic care, ensuring safety, "
            "emotional warmth, stimulation, guidance and boundaries, stability, capacity to "
            "change."
        ),
    )

    model_config = {"json_schema_extra": not_nullable("sections")}

    _sections_not_null = field_validator("sections", mode="before")(_not_null)


class EvidenceRef(Input):
    """A record a section rests on."""

    kind: EvidenceKind = Field(description="A workbook entry, or a programme session of this unit.")
    ref_id: UUID = Field(description="The record's id in the unit that holds it.")


class SectionChange(Input):
    """What changes in one section; members left out stay as they are."""

    analysis: Analysis | None = Field(default=None, description="The author's analysis.")
    evidence: list[EvidenceRef] | None = Field(
        default=None,
        max_length=MAX_EVIDENCE,
        json_schema_extra={"uniqueItems": True},
        description=(
            "The section's whole evidence list, replacing the one it had; each record must be "
            "one its author may read (a final workbook entry or a programme session of this "
            "case, not withdrawn)."
        ),
    )

    model_config = {
        "json_schema_extra": lambda schema, model: _section_change_schema(schema),
    }

    _members_not_null = field_validator("analysis", "evidence", mode="before")(_not_null)

    @model_validator(mode="after")
    def _changes_something(self) -> SectionChange:
        if not self.model_fields_set:
            raise ValueError("say what changes: analysis, evidence or both")
        if self.evidence is not None and len(set(self.evidence_keys())) != len(self.evidence):
            raise ValueError("each record may be listed once")
        return self

    def evidence_keys(self) -> list[tuple[str, UUID]]:
        return [(ref.kind, ref.ref_id) for ref in self.evidence or []]


def _section_change_schema(schema: dict[str, Any]) -> None:
    not_nullable("analysis", "evidence")(schema, SectionChange)
    schema["minProperties"] = 1


class AssessmentUpdate(Input):
    """Changes to a draft: its title, its sections by section key, or both."""

    title: Title | None = Field(default=None, description="A corrected title.")
    sections: dict[SectionKey, SectionChange] | None = Field(
        default=None, min_length=1, max_length=MAX_SECTIONS, json_schema_extra=ONLY_SECTION_KEYS
    )

    model_config = {
        "json_schema_extra": lambda schema, model: _update_schema(schema),
    }

    _update_not_null = field_validator("title", "sections", mode="before")(_not_null)

    @model_validator(mode="after")
    def _changes_something(self) -> AssessmentUpdate:
        if not self.model_fields_set:
            raise ValueError("say what changes: title, sections or both")
        return self


def _update_schema(schema: dict[str, Any]) -> None:
    not_nullable("title", "sections")(schema, AssessmentUpdate)
    schema["minProperties"] = 1


class ReturnDecision(Input):
    """A manager sends a submitted assessment back to its author."""

    comments: Comment = Field(description="What the author should address.")


class SignOffDecision(Input):
    """A manager signs a submitted assessment off."""

    comment: Comment | None = Field(default=None, description="The manager's note, if any.")

    model_config = {"json_schema_extra": not_nullable("comment")}

    _comment_not_null = field_validator("comment", mode="before")(_not_null)


class EvidenceOut(ReadModel):
    """A record a section rests on, as linked."""

    kind: EvidenceKind
    ref_id: UUID
    label: str
    occurred_at: datetime
    linked_by_id: UUID
    linked_at: datetime


class SectionOut(ReadModel):
    """One section of a version."""

    key: str
    heading: str
    analysis: str | None
    evidence: list[EvidenceOut]


class TransitionOut(ReadModel):
    """A step of the version's lifecycle."""

    action: TransitionAction
    actor_id: UUID
    actor_name: str
    at: datetime
    comment: str | None


class AssessmentSummary(ReadModel):
    """A version of an assessment, without its sections."""

    id: UUID
    series_id: UUID
    number: int
    case_id: UUID
    title: str
    status: AssessmentStatus
    supersedes_id: UUID | None
    superseded_by_id: UUID | None = None
    author_id: UUID
    author_name: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    signed_off_at: datetime | None
    signed_off_by_id: UUID | None
    signed_off_by_name: str | None
    sign_off_comment: str | None
    superseded_at: datetime | None
    etag: str

    @model_validator(mode="before")
    @classmethod
    def _with_etag(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if "etag" not in data and "version" in data:
                return {**data, "etag": etag_for(data["id"], data["version"])}
            return data
        values = {name: getattr(data, name) for name in cls.model_fields if hasattr(data, name)}
        values["etag"] = etag_for(data.id, data.version)
        return values


class AssessmentOut(AssessmentSummary):
    """A version of an assessment, whole: sections with their evidence, and its history."""

    sections: list[SectionOut]
    transitions: list[TransitionOut]
