"""Import jobs and their row errors as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from services.schemas import ReadModel

ImportKind = Literal["families", "people", "cases", "allocations"]
ImportStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class ImportJobRead(ReadModel):
    """An import: what it reads, how far it got, what it did, and a summary in words."""

    id: UUID
    kind: ImportKind
    system: str
    file_format: Literal["csv", "ndjson"]
    dry_run: bool = Field(description="Checked and counted as if imported; nothing is changed")
    status: ImportStatus
    summary: str = Field(description="What the import did (or, in a dry run, would do)")
    byte_size: int
    sha256: str
    rows_total: int | None
    rows_done: int
    progress: float | None = Field(description="rows_done / rows_total, once the rows are counted")
    records_created: int
    records_updated: int
    records_unchanged: int
    records_linked: int
    records_for_review: int
    rows_failed: int
    failure: str | None = Field(description="Why the import stopped as a whole, if it did")
    requested_by_practitioner_id: UUID
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ImportRowErrorRead(ReadModel):
    """What was wrong with one row: where (row and column) and why; never the value itself."""

    row: int = Field(
        description="CSV: the row as a spreadsheet numbers it (header = 1); NDJSON: the line"
    )
    field: str | None = Field(description="The column at fault; None: the row as a whole")
    code: str
    message: str
