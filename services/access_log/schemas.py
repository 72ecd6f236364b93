"""One row of the access log as a reader sees it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from services.access_log.filters import Outcome
from services.schemas import ReadModel


class AccessLogEntry(ReadModel):
    """Who did what to which record, when, why, and what came of it (DPA 2018 s.62's model)."""

    unit: str = Field(description="The unit whose log holds the row")
    id: UUID
    position: int = Field(description="The row's place in its unit's log")
    occurred_at: datetime
    actor_subject: str = Field(description="Who acted, as the identity provider names them")
    actor_practitioner_id: UUID | None
    action: str
    resource_type: str
    resource_id: str | None
    case_id: UUID | None
    purpose: str = Field(description="The access purpose the actor declared")
    outcome: Outcome
    request_id: str
    details: dict[str, Any] = Field(description="Ids, counts and field names; never narrative")
    sealed: bool = Field(description="The row is in the verified hash chain already")

    @classmethod
    def of_row(cls, unit: str, row: Any) -> AccessLogEntry:
        """A row of a unit's audit_log table."""
        return cls.of(row, unit=unit, sealed=row.seq is not None)


# Columns of the CSV export, in order.
CSV_COLUMNS = (
    "occurred_at",
    "unit",
    "actor_subject",
    "actor_practitioner_id",
    "action",
    "resource_type",
    "resource_id",
    "case_id",
    "purpose",
    "outcome",
    "request_id",
    "id",
)


def csv_cells(entry: AccessLogEntry) -> list[object]:
    """The export's cells for one row, in CSV_COLUMNS order."""
    return [getattr(entry, column) for column in CSV_COLUMNS]
