"""What every kind of upsert shares: a batch of keyed records in, one outcome per record out.

The API's `PUT .../by-external-id/...` is a batch of one; an import applies its file a chunk at
a time. Both run the same code, so a rule holds the same way whichever door a record comes in
by. A batch never commits: the request's unit of work, or the import runner's chunk
transaction, does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import ProblemError
from services.principal import Principal

R = TypeVar("R", bound=BaseModel)
Action = Literal["created", "updated", "unchanged", "linked", "review", "failed"]
# Called with (record id, its version) before a change to a record that already exists; the
# API raises 428/412 from it when If-Match is missing or stale. Imports pass none.
VersionCheck = Callable[[UUID, int], None]


@dataclass(slots=True)
class Keyed(Generic[R]):
    """One record under its external id, with the row of the file it came from (0: the API)."""

    row: int
    key: str
    record: R


@dataclass(slots=True)
class RowError:
    """Why one record was not applied: the member at fault (None: the whole record) and why."""

    field: str | None
    code: str
    message: str
    status: int = 422


@dataclass
class Outcome:
    """What became of one record."""

    row: int
    key: str
    action: Action
    record_id: UUID | None = None
    errors: list[RowError] = field(default_factory=list)
    review_id: UUID | None = None
    matched_on: str | None = None
    # Identifier members a manager's decision left out because they disagree with the workbook.
    withheld: list[str] = field(default_factory=list)

    @classmethod
    def failed(cls, item: Keyed[R], *errors: RowError) -> Outcome:
        return cls(item.row, item.key, "failed", errors=list(errors))


@dataclass
class Memory:
    """What a job has planned but not necessarily written, so later rows can see it.

    `keys` catches a file that gives one external id twice. The rest lets a later row meet
    what an earlier row of the same job did (a person it created or gave a key, a family's
    case it opened): a dry run rolls every chunk back, and a chunk reads the database once,
    before its own rows are written.
    """

    keys: dict[str, int] = field(default_factory=dict)
    identifiers: dict[tuple[str, str], UUID] = field(default_factory=dict)
    person_families: dict[UUID, UUID] = field(default_factory=dict)
    keyed_people: set[UUID] = field(default_factory=set)
    # (family, case kind) with an open case: a family holds one open case of each kind.
    open_families: set[tuple[UUID, str]] = field(default_factory=set)

    def forget_written(self) -> None:
        """Drop what the database now holds (after a real chunk commits)."""
        self.identifiers.clear()
        self.person_families.clear()
        self.keyed_people.clear()
        self.open_families.clear()


@dataclass
class Batch:
    """Where and as whom a batch runs."""

    session: AsyncSession
    principal: Principal
    system: str
    check_version: VersionCheck | None = None
    import_job_id: UUID | None = None
    memory: Memory = field(default_factory=Memory)
    social_work_disciplines: tuple[str, ...] = ("social_worker", "consultant_social_worker")

    def before_change(self, record_id: UUID, version: int) -> None:
        """Let the caller refuse a change to an existing record (If-Match)."""
        if self.check_version is not None:
            self.check_version(record_id, version)


# Bulk loops hand the event loop back this often, so requests in the same process wait at
# most a few milliseconds behind an import.
YIELD_EVERY = 100
# The member errors name when the record's own external id is at fault.
KEY_FIELD = "external_id"


def duplicate_key(batch: Batch, item: Keyed[R]) -> RowError | None:
    """The error for a key the same job already gave at an earlier row, if it did."""
    earlier = batch.memory.keys.get(item.key)
    if earlier is not None and earlier != item.row:
        return RowError(
            KEY_FIELD, "duplicate_key", f"The same external id is given at row {earlier}.", 409
        )
    batch.memory.keys[item.key] = item.row
    return None


def row_errors(error: ProblemError) -> list[RowError]:
    """A refusal from a service the API also uses, as the errors of one record."""
    listed = error.extensions.get("errors")
    if isinstance(listed, list) and listed:
        return [
            RowError(
                str(item["location"][-1]) if item.get("location") else None,
                str(item.get("code", "invalid")),
                str(item.get("message", "")),
                error.status,
            )
            for item in listed
        ]
    return [RowError(None, error.slug.replace("-", "_"), error.detail or error.title, error.status)]
