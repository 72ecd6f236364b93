"""Response bodies for workbook search."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from services.schemas import ReadModel
from workbook_api.entries.schemas import EntryStatus

HIGHLIGHT_START = "\u00ab"
HIGHLIGHT_STOP = "\u00bb"


class SearchHit(ReadModel):
    """One matching record, with a snippet drawn only from text the caller may read."""

    kind: Literal["entry", "session_log", "role_summary"]
    id: UUID
    case_id: UUID
    family_id: UUID
    family_name: str
    episode_number: int
    entry_type: str
    status: EntryStatus
    event_at: datetime
    author_name: str
    discipline: str
    restricted: bool
    detail_withheld: bool
    rank: float = Field(
        description="How well the hit matches the words (higher is better), shown beside it: "
        "hits come newest event first, then by id, not in this order."
    )
    snippet: str = Field(
        description=f"Matching words are wrapped in {HIGHLIGHT_START} and {HIGHLIGHT_STOP}; "
        "the text is plain, never markup."
    )
