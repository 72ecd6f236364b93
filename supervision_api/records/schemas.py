"""Record bodies in and out."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from services.schemas import Input, not_nullable
from supervision_api.records.models import (
    DECISION_MAX,
    RATIONALE_MAX,
    REASON_MAX,
    RECORD_FIELDS,
    TEXT_MAX,
)

Text = Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]
Scaling = Annotated[int, Field(ge=0, le=10, description="0-10; 10: safe enough to close")]
Reason = Annotated[str, Field(min_length=1, max_length=REASON_MAX)]


class RecordContent(Input):
    """The child's lived experience, the risk analysis and the scaling judgement; members left
    out are unchanged, and none may be sent as null."""

    model_config = Input.model_config | {"json_schema_extra": not_nullable(*RECORD_FIELDS)}

    lived_experience: Text | None = Field(
        default=None, description="What life is like for the child"
    )
    worried_about: Text | None = Field(default=None, description="What we are worried about")
    working_well: Text | None = Field(default=None, description="What is working well")
    needs_to_happen: Text | None = Field(default=None, description="What needs to happen")
    scaling: Scaling | None = None

    def given(self) -> dict[str, Any]:
        """The members the client sent."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class RecordAmendmentIn(RecordContent):
    """A correction of a final record, with the reason for it (at least one member)."""

    reason: Reason

    @model_validator(mode="after")
    def _changes_something(self) -> RecordAmendmentIn:
        if not set(self.model_fields_set) & set(RECORD_FIELDS):
            raise ValueError("An amendment changes at least one member of the record.")
        return self

    def given(self) -> dict[str, Any]:
        return {k: v for k, v in super().given().items() if k != "reason"}


class WorkerUpdateIn(Input):
    """Your update on the case for this meeting (sending it again replaces it)."""

    update: Text


class DecisionIn(Input):
    """A decision, why it was taken, and who took it."""

    model_config = Input.model_config | {"json_schema_extra": not_nullable("decision_maker_id")}

    decision: str = Field(min_length=1, max_length=DECISION_MAX)
    rationale: str = Field(min_length=1, max_length=RATIONALE_MAX)
    decision_maker_id: UUID | None = Field(
        default=None, description="An invitee of the meeting; the chair when left out"
    )


class ActionIn(Input):
    """An action: what, who owns it, by when."""

    description: str = Field(min_length=1, max_length=DECISION_MAX)
    owner_id: UUID = Field(description="An invitee of the meeting")
    due_on: date = Field(description="On or after the meeting's day")


class ActionClosure(Input):
    """An action done, or dropped with a reason."""

    model_config = Input.model_config | {"json_schema_extra": not_nullable("reason")}

    outcome: Literal["done", "dropped"]
    reason: Reason | None = Field(default=None, description="Required when dropped")

    @model_validator(mode="after")
    def _dropped_needs_reason(self) -> ActionClosure:
        if self.outcome == "dropped" and self.reason is None:
            raise ValueError("An action is dropped with a reason.")
        return self


DECISION_FIELDS = ("decision", "rationale", "decision_maker_id")
ACTION_FIELDS = ("description", "owner_id", "due_on")


class DecisionAmendmentIn(Input):
    """A correction of a decision on a final record, and why (at least one member changed;
    none sent as null)."""

    model_config = Input.model_config | {"json_schema_extra": not_nullable(*DECISION_FIELDS)}

    decision: str | None = Field(default=None, min_length=1, max_length=DECISION_MAX)
    rationale: str | None = Field(default=None, min_length=1, max_length=RATIONALE_MAX)
    decision_maker_id: UUID | None = Field(default=None, description="An invitee of the meeting")
    reason: Reason

    @model_validator(mode="after")
    def _changes_something(self) -> DecisionAmendmentIn:
        if not self.given():
            raise ValueError("An amendment changes at least one member of the decision.")
        return self

    def given(self) -> dict[str, Any]:
        """The members the client sent, other than the reason."""
        return {
            name: getattr(self, name)
            for name in DECISION_FIELDS
            if name in self.model_fields_set and getattr(self, name) is not None
        }


class ActionAmendmentIn(Input):
    """A correction of an action agreed at a final record, and why (at least one member
    changed; none sent as null). Closing an action is not an amendment: close it."""

    model_config = Input.model_config | {"json_schema_extra": not_nullable(*ACTION_FIELDS)}

    description: str | None = Field(default=None, min_length=1, max_length=DECISION_MAX)
    owner_id: UUID | None = Field(default=None, description="An invitee of the meeting")
    due_on: date | None = Field(default=None, description="On or after the meeting's day")
    reason: Reason

    @model_validator(mode="after")
    def _changes_something(self) -> ActionAmendmentIn:
        if not self.given():
            raise ValueError("An amendment changes at least one member of the action.")
        return self

    def given(self) -> dict[str, Any]:
        """The members the client sent, other than the reason."""
        return {
            name: getattr(self, name)
            for name in ACTION_FIELDS
            if name in self.model_fields_set and getattr(self, name) is not None
        }


class WorkerUpdateOut(BaseModel):
    """A worker's update."""

    practitioner_id: UUID
    discipline: str
    update: str
    written_at: datetime


class DecisionOut(BaseModel):
    """A decision on the case."""

    id: UUID
    decision: str
    rationale: str
    decision_maker_id: UUID
    recorded_by: UUID
    recorded_at: datetime


class ActionOut(BaseModel):
    """An action and where it stands."""

    id: UUID
    case_id: UUID
    record_id: UUID
    description: str
    owner_id: UUID
    due_on: date
    status: str
    closed_reason: str | None
    closed_at: datetime | None
    version: int


class AmendmentOut(BaseModel):
    """An amendment: the revision it made and the values it replaced (of the record itself, or
    of one decision or action)."""

    revision: int
    previous: dict[str, Any]
    reason: str
    amended_by: UUID
    amended_at: datetime
    decision_id: UUID | None = Field(default=None, description="The decision it corrected")
    action_id: UUID | None = Field(default=None, description="The action it corrected")


class RecordOut(BaseModel):
    """The record of a case's discussion at a meeting."""

    id: UUID
    meeting_id: UUID
    case_id: UUID
    meeting_starts_at: datetime
    status: str
    lived_experience: str | None
    worried_about: str | None
    working_well: str | None
    needs_to_happen: str | None
    scaling: int | None
    finalised_at: datetime | None
    finalised_by: UUID | None
    revision: int
    version: int
    worker_updates: list[WorkerUpdateOut]
    decisions: list[DecisionOut]
    actions: list[ActionOut] = Field(description="Actions this meeting agreed")
    carried_forward: list[ActionOut] = Field(
        description="Actions from earlier meetings still open (as they stood when finalised)"
    )
    amendments: list[AmendmentOut]


class ActionList(BaseModel):
    """A case's actions, earliest due first."""

    items: list[ActionOut]
