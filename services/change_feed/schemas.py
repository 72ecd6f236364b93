"""What every unit's change feed page carries: the shape of one change, and the page itself.

Each unit declares its own kinds on `Change` (a `kind` literal and the record as its API
shows it) and its page as `ChangePage[<its union of kinds>]`; what a tombstone means, how a
cursor is handed back and when to read on are the same for every feed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, Literal, TypeVar
from uuid import UUID

from pydantic import BaseModel, Field

Op = Literal["upsert", "tombstone"]


class Change(BaseModel):
    """The fields every change has, whatever its kind."""

    op: Op = Field(
        description="`upsert`: keep this version of the record. `tombstone`: drop it; for a case"
        " or a family, drop it with every record that belongs to it."
    )
    id: UUID
    changed_at: datetime | None = Field(
        default=None, description="When it last changed (absent on tombstones)."
    )


class CaseTombstone(Change):
    """A case left your sight (deallocation, closure beyond the rule, a change of team or role,
    or of your standing on it): drop it and every record of it this feed gave you. If it is
    still in your sight with another standing, it follows at once, whole, as you may now see it."""

    kind: Literal["case"] = "case"
    reason: Literal["out_of_sight"] = "out_of_sight"


ItemT = TypeVar("ItemT")


class ChangePage(BaseModel, Generic[ItemT]):
    """A page of changes, oldest first, and where to read on from."""

    items: list[ItemT]
    next_cursor: str = Field(
        description="Send it back as `cursor` to read on; keep it until the next page arrives."
    )
    more: bool = Field(description="More changes are waiting: read on at once.")
    reset: bool = Field(
        default=False,
        description="Your sight changed in a way a cursor cannot describe: drop everything you"
        " hold from this feed, then keep the items of this and the following pages.",
    )


def case_ids_of(items: list[BaseModel]) -> list[str]:
    """The cases a page discloses something of, for its audit record."""
    found: dict[str, None] = {}
    for item in items:
        case_id = getattr(item, "case_id", None)
        if case_id is None and getattr(item, "kind", None) == "case":
            case_id = getattr(item, "id", None)
        if case_id is not None:
            found[str(case_id)] = None
    return list(found)
