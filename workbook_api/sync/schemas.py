"""What a device pushes (operations recorded offline) and what it gets back for each."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from services.errors import Problem
from services.schemas import Input
from workbook_api.entries.schemas import EntryCreate, EntryDraftUpdate, EntryOut, SessionLogCreate

MAX_OPERATIONS = 100

OpId = Annotated[
    UUID,
    Field(description="The device's own id for this operation; sending it again is harmless."),
]
ClientEntryId = Annotated[
    UUID, Field(description="The entry's id, made on the device (a random UUID).")
]


class CreateEntry(Input):
    """A new entry recorded offline, with the id the device gave it."""

    op: Literal["create_entry"]
    op_id: OpId
    case_id: UUID
    entry_id: ClientEntryId
    entry: EntryCreate


class CreateSessionLog(Input):
    """A new MDT session log recorded offline, with the id the device gave it."""

    op: Literal["create_session_log"]
    op_id: OpId
    case_id: UUID
    entry_id: ClientEntryId
    session_log: SessionLogCreate


class UpdateDraft(Input):
    """An edit of one of your drafts, made against the version the device had."""

    op: Literal["update_draft"]
    op_id: OpId
    case_id: UUID
    entry_id: UUID
    base_etag: str = Field(
        min_length=1, max_length=80, description="The draft's ETag when the device last had it."
    )
    changes: EntryDraftUpdate
    finalise: bool = Field(default=False, description="Make the draft final after the edit.")


Operation = Annotated[CreateEntry | CreateSessionLog | UpdateDraft, Field(discriminator="op")]


class PushBatch(Input):
    """What a device recorded while offline, in the order it was recorded."""

    device_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="The device's own name for itself, for the audit log.",
    )
    operations: list[Operation] = Field(min_length=1, max_length=MAX_OPERATIONS)


Status = Literal["applied", "conflict", "rejected"]


class OperationResult(BaseModel):
    """What became of one operation: applied, a conflict (nothing overwritten), or rejected."""

    op_id: UUID
    entry_id: UUID
    status: Status
    replayed: bool = Field(
        default=False, description="Applied by an earlier push of the same operation."
    )
    entry: EntryOut | None = Field(default=None, description="Applied: the entry as stored.")
    server: EntryOut | None = Field(
        default=None, description="Conflict: the server's version, which was left as it is."
    )
    device: Operation | None = Field(
        default=None, description="Conflict or rejected: the operation as the device sent it."
    )
    problem: Problem | None = Field(
        default=None, description="Conflict or rejected: why (RFC 9457 problem details)."
    )


class PushResults(BaseModel):
    """One result per operation, in the order they were sent."""

    results: list[OperationResult]
