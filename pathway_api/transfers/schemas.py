"""Requesting, meeting about and accepting a transfer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from services.schemas import Input, ReadModel

Direction = Literal["step_up", "step_down"]


class TransferRequest(Input):
    """Ask another team to take the family: why, and the picture now."""

    direction: Direction = Field(
        description="step_up from an early help case, step_down from a Family Safeguarding one"
    )
    receiving_team_id: UUID
    reason: str = Field(min_length=3, max_length=2000)
    current_picture: str = Field(
        min_length=3, max_length=4000, description="Where the family is now, so no one re-asks"
    )


class TransferMeeting(Input):
    """The transfer meeting between the sending and receiving teams, with the family."""

    held_on: date
    notes: str = Field(min_length=3, max_length=4000)


class TransferRead(ReadModel):
    """A transfer and where it stands."""

    id: UUID
    case_id: UUID
    family_id: UUID
    direction: Direction
    sending_team_id: UUID
    receiving_team_id: UUID
    reason: str
    current_picture: str
    status: Literal["requested", "accepted"]
    meeting_held_on: date | None
    meeting_notes: str | None
    requested_by: UUID
    requested_at: datetime
    accepted_by: UUID | None
    accepted_at: datetime | None
