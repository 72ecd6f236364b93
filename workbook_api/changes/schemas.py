"""What a change feed page carries: records as the caller may see them, and tombstones."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from services.change_feed.schemas import Change as BaseChange
from services.change_feed.schemas import ChangePage as BasePage
from services.schemas import ReadModel
from workbook_api.cases.schemas import AllocationRead, CaseRead, EpisodeRead
from workbook_api.entries.schemas import EntryOut
from workbook_api.families.schemas import FamilyDetail

TombstoneReason = Literal["out_of_sight", "withdrawn"]


class CaseView(CaseRead):
    """A case with its current workbook episode."""

    current_episode: EpisodeRead | None


class ChronologyEventView(ReadModel):
    """An event another service put on the case's chronology."""

    id: UUID
    case_id: UUID
    source: str
    type: str
    occurred_at: datetime
    title: str
    summary: str | None
    recorded_at: datetime


class _Change(BaseChange):
    reason: TombstoneReason | None = Field(
        default=None,
        description="Why a tombstone: it left your sight (deallocation, closure, break-glass"
        " expiry, a change of team or role), or the entry was withdrawn as entered in error.",
    )


class CaseChange(_Change):
    """A case changed, came into sight, or left it."""

    kind: Literal["case"] = "case"
    case: CaseView | None = None


class FamilyChange(_Change):
    """A family (its members, relationships or identifiers) changed, came into sight, or left it."""

    kind: Literal["family"] = "family"
    family: FamilyDetail | None = None


class AllocationChange(_Change):
    """An allocation was made or ended."""

    kind: Literal["allocation"] = "allocation"
    case_id: UUID
    allocation: AllocationRead | None = None


class EntryChange(_Change):
    """An entry, session log or role summary was recorded, edited, finalised, amended or
    withdrawn; restricted detail only where the caller may read it."""

    kind: Literal["entry"] = "entry"
    case_id: UUID
    entry: EntryOut | None = None


class ChronologyEventChange(_Change):
    """Another service put an event on the case's chronology."""

    kind: Literal["chronology_event"] = "chronology_event"
    case_id: UUID
    chronology_event: ChronologyEventView | None = None


Change = Annotated[
    CaseChange | FamilyChange | AllocationChange | EntryChange | ChronologyEventChange,
    Field(discriminator="kind"),
]


class ChangePage(BasePage[Change]):
    """A page of changes, oldest first, and where to read on from."""
