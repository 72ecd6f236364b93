"""Cadence settings in and out, and the due list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from services.schemas import Input
from supervision_api.cadence.due import DueStatus

IntervalDays = Annotated[
    int,
    Field(ge=7, le=91, description="Calendar days from one held GCS to the next one's due date"),
]
FirstDue = Annotated[
    int, Field(ge=1, le=60, description="Working days from a case's opening to its first GCS")
]
DueSoon = Annotated[
    int, Field(ge=1, le=30, description="Working days before its due date a case is due soon")
]


class TeamCadenceIn(Input):
    """A team's whole cadence setting."""

    interval_days: IntervalDays
    first_due_working_days: FirstDue
    due_soon_working_days: DueSoon


class TeamCadenceOut(BaseModel):
    """A team's cadence; `is_default` when its managers have not set one."""

    team_id: UUID
    interval_days: int
    first_due_working_days: int
    due_soon_working_days: int
    is_default: bool
    updated_at: datetime | None


class CaseCadenceIn(Input):
    """A case's own cadence: a member sent as null follows the team's setting."""

    interval_days: IntervalDays | None
    first_due_working_days: FirstDue | None


class CaseCadenceOut(BaseModel):
    """The cadence in force for a case, what of it is the case's own, and when it is due."""

    case_id: UUID
    interval_days: int
    first_due_working_days: int
    own_interval_days: int | None
    own_first_due_working_days: int | None
    last_gcs_at: datetime | None
    due_on: date
    status: DueStatus
    working_days_left: int = Field(description="Negative when overdue")


class DueCase(BaseModel):
    """An open case and when it is due its GCS."""

    case_id: UUID
    family_id: UUID
    team_id: UUID
    opened_at: datetime
    last_gcs_at: datetime | None
    due_on: date
    status: DueStatus
    working_days_left: int = Field(description="Negative when overdue")
    next_meeting_at: datetime | None = Field(
        default=None, description="The next GCS booked for the case, if any"
    )


class DueList(BaseModel):
    """Open cases by due date, soonest (most overdue) first, a page at a time."""

    today: date
    items: list[DueCase]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` for the next page; null on the last"
    )
