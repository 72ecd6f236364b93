"""Request and response bodies for cases, allocations, episodes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from services.event_contracts import FAMILY_SAFEGUARDING, CaseKind
from services.schemas import Input, ReadModel

CaseStatus = Literal["open", "closed"]
Reason = Field(min_length=3, max_length=2000)
DisciplineCode = Field(min_length=2, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")


class CaseCreate(Input):
    """Open an involvement with a family, owned by a team you manage."""

    family_id: UUID
    owning_team_id: UUID
    reason: str = Reason
    kind: CaseKind = Field(
        default=FAMILY_SAFEGUARDING,
        description="Family Safeguarding (statutory) or early help; a family has at most one "
        "open case of each kind.",
    )


class CaseClose(Input):
    """Close a case, saying why."""

    reason: str = Reason


class CaseReopen(Input):
    """Reopen a closed case, saying why; a new workbook episode opens."""

    reason: str = Reason


class EpisodeRead(ReadModel):
    """A workbook episode of a case."""

    id: UUID
    case_id: UUID
    number: int
    opened_at: datetime
    closed_at: datetime | None
    opened_by_event: str
    opened_reason: str | None
    closed_reason: str | None


class AllocationCreate(Input):
    """Allocate a practitioner (as the directory names them) to a case."""

    practitioner_id: UUID
    practitioner_name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Not needed: the record takes the practitioner's name from the directory.",
    )
    discipline: str = Field(
        min_length=2,
        max_length=64,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Must be the practitioner's discipline in the directory.",
    )
    is_allocated_social_worker: bool = False
    starts_at: AwareDatetime | None = Field(default=None, description="Default: now")
    ends_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> AllocationCreate:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at.")
        return self


class AllocationEnd(Input):
    """End an allocation now or at a given time, saying why."""

    ends_at: AwareDatetime | None = Field(default=None, description="Default: now")
    reason: str | None = Field(default=None, min_length=1, max_length=500)


class AllocationRead(ReadModel):
    """A practitioner's allocation to a case."""

    id: UUID
    case_id: UUID
    practitioner_id: UUID
    practitioner_name: str
    discipline: str
    is_allocated_social_worker: bool
    starts_at: datetime
    ends_at: datetime | None
    ended_reason: str | None
    version: int
    created_at: datetime


class CaseRead(ReadModel):
    """A case as lists show it."""

    id: UUID
    family_id: UUID
    family_name: str
    owning_team_id: UUID
    status: CaseStatus
    kind: CaseKind
    opened_at: datetime
    opened_reason: str
    closed_at: datetime | None
    closed_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class CaseDetail(CaseRead):
    """A case with who is working on it now and its current episode."""

    current_allocations: list[AllocationRead]
    current_episode: EpisodeRead | None
