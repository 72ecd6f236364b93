"""Request and response bodies for programme sessions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import Field, StringConstraints, model_validator

from intervention_api.practice.schemas import MitiCodingRead
from intervention_api.programmes.definition import CODE_PATTERN
from services.schemas import Input, ReadModel

Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
Attendance = Literal["attended", "did_not_attend", "cancelled"]


class SessionCreate(Input):
    """A session with the participant: when, who, what it covered, how it went."""

    held_on: date = Field(description="The day it was held (or was to be); not in the future")
    worker_id: UUID | None = Field(
        default=None, description="The worker who held it, allocated to the case (default: you)"
    )
    attendance: Attendance
    engagement: int | None = Field(
        default=None,
        ge=1,
        le=5,
        description="1 (not engaged) to 5 (fully engaged); for an attended session only",
    )
    modules: list[Code] = Field(
        default_factory=list, max_length=10, description="Planned modules it covered"
    )
    tools: list[Code] = Field(
        default_factory=list, max_length=30, description="The programme's tools it used"
    )
    summary: str = Field(
        min_length=1,
        max_length=4000,
        description="Shareable: it goes on the case's chronology in the workbook",
    )
    restricted_detail: str | None = Field(
        default=None,
        min_length=1,
        max_length=10000,
        description="Shown only to those the workbook's restricted-detail rule admits",
    )

    @model_validator(mode="after")
    def _engagement_when_attended(self) -> Self:
        if (self.attendance == "attended") != (self.engagement is not None):
            raise ValueError("Rate engagement for an attended session, and only for one.")
        return self


class SessionRead(ReadModel):
    """A session as the caller may see it."""

    id: UUID
    enrolment_id: UUID
    case_id: UUID
    held_on: date
    worker_id: UUID
    attendance: Attendance
    engagement: int | None
    modules: list[str]
    tools: list[str]
    summary: str
    restricted_detail: str | None
    detail_withheld: bool
    recorded_by: UUID
    recorded_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: UUID | None
    withdrawal_reason: str | None
    codings: list[MitiCodingRead]


class SessionWithdrawal(Input):
    """Withdraw a session logged in error (the wrong family, day or enrolment)."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
