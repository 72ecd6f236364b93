"""What supervision's change feed carries: meetings per agenda case, case records, tombstones."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from services.change_feed.schemas import CaseTombstone, Change, ChangePage
from supervision_api.meetings.schemas import MeetingOut
from supervision_api.records.schemas import RecordOut


class MeetingFeedItem(Change):
    """A meeting with the case on its agenda it is filed under: booked, moved, cancelled, its
    invitees or attendance changed. A meeting comes once for each case of its agenda you may
    see, each listing that case alone; keep it under its case (its tombstone drops it)."""

    kind: Literal["meeting"] = "meeting"
    case_id: UUID
    meeting: MeetingOut | None = None


class CaseRecordFeedItem(Change):
    """A case's record at a meeting: written, updated by a worker, a decision or an action
    added, an action closed, finalised, amended."""

    kind: Literal["case_record"] = "case_record"
    case_id: UUID
    record: RecordOut | None = None


SupervisionChange = Annotated[
    CaseTombstone | MeetingFeedItem | CaseRecordFeedItem, Field(discriminator="kind")
]


class SupervisionChangePage(ChangePage[SupervisionChange]):
    """A page of supervision's changes, oldest first, and where to read on from."""
