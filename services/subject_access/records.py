"""What a unit holds about a family's cases, in the one shape every unit answers with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

PURPOSE = "subject_access"
# Cases asked about in one request (a family has a few; the workbook asks in batches).
MAX_CASES = 50


class SubjectSection(BaseModel):
    """One printed part of a record. Restricted detail names the people it is about
    (`owners`), so the workbook can propose its redaction when the subject is not among them."""

    label: str
    text: str
    restricted: bool = False
    owners: list[UUID] = Field(default_factory=list)


class SubjectRecord(BaseModel):
    """One record a unit holds about a case of the subject's family."""

    kind: str
    record_id: str
    case_id: UUID | None
    occurred_at: datetime
    title: str
    author: str | None = None
    sections: list[SubjectSection]


class SubjectRecords(BaseModel):
    """Everything one unit holds about the cases asked for, oldest first."""

    unit: str
    records: list[SubjectRecord]


SubjectSource = Callable[[AsyncSession, Sequence[UUID]], Awaitable[list[SubjectRecord]]]
"""A unit's own reading of what it holds about some cases (its `subject_access.py`)."""
