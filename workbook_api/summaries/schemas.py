"""Request and response bodies for role summaries and the episode workbook view."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.schemas import ReadModel
from workbook_api.entries.schemas import (
    EntryRevisionOut,
    EntryStatus,
    Narrative,
    Reason,
    Sensitivity,
    ShareableSummary,
)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SummaryContent(_Input):
    """What a summary says; members left out of an edit or amendment stay as they are."""

    narrative: Narrative | None = Field(default=None, description="The worker's summary.")
    sensitivity: Sensitivity | None = None
    shareable_summary: ShareableSummary | None = Field(
        default=None, description="What everyone on the case may read; required when restricted."
    )


class SummaryCreate(SummaryContent):
    """Your summary for the episode; a draft unless `finalise` is true."""

    narrative: Narrative
    finalise: bool = False


class SummaryDraftUpdate(SummaryContent):
    """Changes to your draft summary."""


class SummaryAmendment(SummaryContent):
    """A correction of a written summary, kept in its history with the reason."""

    reason: Reason


class SummaryOut(ReadModel):
    """A role summary as this caller may see it."""

    id: UUID
    case_id: UUID
    episode_id: UUID
    episode_number: int
    status: EntryStatus
    author_id: UUID
    author_name: str
    discipline: str
    recorded_at: datetime
    finalised_at: datetime | None
    updated_at: datetime
    sensitivity: Sensitivity
    restricted: bool
    detail_withheld: bool
    narrative: str | None
    shareable_summary: str | None
    revision: int
    etag: str
    revisions: list[EntryRevisionOut] | None = None


SummaryState = Literal["written", "draft", "not_written"]


class WorkbookWorker(ReadModel):
    """One worker on the episode and where their summary stands."""

    practitioner_id: UUID
    practitioner_name: str
    discipline: str
    is_allocated_social_worker: bool
    currently_allocated: bool
    summary_state: SummaryState = Field(
        description="`draft` is shown only to its author; to others a draft is not written."
    )
    summary: SummaryOut | None


class EpisodeWorkbook(ReadModel):
    """The workbook of one episode: who is on it and who has written their summary."""

    case_id: UUID
    episode_id: UUID
    number: int
    opened_at: datetime
    closed_at: datetime | None
    workers: list[WorkbookWorker]
    written: int
    outstanding: int
