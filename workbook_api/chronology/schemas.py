"""Response bodies for the case chronology."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from services.schemas import ReadModel


class ChronologyItem(ReadModel):
    """One line of the chronology: a significant entry, or an event from another service."""

    kind: Literal["entry", "event"]
    id: UUID
    occurred_at: datetime
    type: str
    title: str
    source: str
    summary: str | None = Field(description="The shareable summary (or the event's summary).")
    detail: str | None = Field(description="The entry's narrative, where the caller may read it.")
    author_id: UUID | None
    author_name: str | None
    discipline: str | None
    restricted: bool
    detail_withheld: bool
    status: Literal["final", "withdrawn"]


class FamilyChronologyItem(ChronologyItem):
    """One line of a family's chronology: a line of one of its cases' chronologies."""

    case_id: UUID = Field(description="The case (involvement) the line belongs to.")
    case_kind: Literal["family_safeguarding", "early_help"]
