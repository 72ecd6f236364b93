"""Retention requests and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field, field_validator

from services.retention.rules import Basis, ClassificationKind, RecordKind
from services.schemas import Input, ReadModel

REASON = Field(min_length=1, max_length=2000, pattern=r"^[^\x00]*\S[^\x00]*$")


class RuleRead(ReadModel):
    """One kind of record and how long it is kept."""

    kind: RecordKind
    basis: Basis
    years: int
    description: str


class HoldCreate(Input):
    """Why destruction must wait (litigation, an inquiry, a complaint, a police request)."""

    reason: str = REASON


class HoldLift(Input):
    """Why the hold no longer applies."""

    reason: str = REASON


class HoldRead(ReadModel):
    """A legal hold on a case: while it stands, nothing of the case is destroyed."""

    id: UUID
    case_id: UUID
    reason: str
    placed_by: UUID
    placed_by_name: str
    placed_at: datetime
    lifted_by: UUID | None
    lifted_at: datetime | None
    lift_reason: str | None
    active: bool


class ReviewCreate(Input):
    """The DPO's decision on a case that fell due: destroy, or keep (with why)."""

    decision: Literal["destroy", "retain"]
    reason: str = REASON


class ReviewRead(ReadModel):
    """A review as recorded, and whether it lets the operator destroy the case now."""

    id: UUID
    case_id: UUID
    decision: Literal["destroy", "retain"]
    reason: str
    rule: RecordKind
    due_on: date | None
    reviewed_by: UUID
    reviewed_by_name: str
    reviewed_at: datetime
    authorises_destruction: bool = Field(
        description="A decision to destroy, made once the case fell due, with no hold standing"
    )


class DueCase(ReadModel):
    """A closed case whose retention period has run out, for the DPO to review."""

    case_id: UUID
    family_id: UUID
    owning_team_id: UUID
    rule: RecordKind
    rule_description: str
    closed_at: datetime
    due_on: date
    on_hold: bool
    last_decision: Literal["destroy", "retain"] | None
    last_reviewed_at: datetime | None


class CertificateRead(ReadModel):
    """What was destroyed, why, by whom and under which rule (the case's record skeleton and
    the audit log stay)."""

    id: UUID
    case_id: UUID
    rule: RecordKind
    due_on: date
    review_id: UUID
    reviewed_by: UUID
    review_reason: str
    operator: str
    destroyed_at: datetime
    destroyed: dict[str, int] = Field(description="How many records of each kind were blanked")


class ClassificationCreate(Input):
    """A case's record is kept longer: a child on it became looked after, or was adopted."""

    kind: ClassificationKind = Field(
        description="looked_after: kept to the child's 75th birthday (as configured);"
        " adoption: 100 years from the order (as configured)"
    )
    person_id: UUID = Field(description="The child (a child of the case's family)")
    effective_on: date = Field(
        description="When the child became looked after, or the adoption order's day"
        " (YYYY-MM-DD; not in the future)",
    )
    reason: str = REASON

    @field_validator("effective_on", mode="before")
    @classmethod
    def _a_written_day(cls, value: object) -> object:
        # Lax parsing would read a number as seconds since 1970: a day is written as a day.
        if not isinstance(value, str):
            raise ValueError("A day, written YYYY-MM-DD.")
        return value


class ClassificationWithdraw(Input):
    """Why the classification no longer applies (it stays on record)."""

    reason: str = REASON


class ClassificationRead(ReadModel):
    """A classification of a case's record; a withdrawn one no longer lengthens retention."""

    id: UUID
    case_id: UUID
    person_id: UUID
    kind: ClassificationKind
    effective_on: date
    reason: str
    recorded_by: UUID
    recorded_by_name: str
    recorded_at: datetime
    withdrawn_by: UUID | None
    withdrawn_at: datetime | None
    withdraw_reason: str | None
    standing: bool
