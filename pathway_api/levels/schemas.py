"""Deciding a level, and reading the history."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from services.schemas import Input, ReadModel


class LevelDecide(Input):
    """Decide the family's level (or one child's), on indicators of the configuration in force."""

    level: str = Field(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
    indicators: list[str] = Field(
        min_length=1,
        max_length=20,
        description="Codes of the level's indicators that the decision rests on",
    )
    reason: str = Field(min_length=3, max_length=2000)
    person_id: UUID | None = Field(
        default=None, description="The workbook's id of the child; left out for the family"
    )


class LevelDecisionRead(ReadModel):
    """A level decision."""

    id: UUID
    case_id: UUID
    family_id: UUID
    person_id: UUID | None
    configuration_version: int
    level_code: str
    level_label: str
    level_rank: int
    indicators: list[str]
    reason: str
    basis: Literal["decision", "escalation"]
    decided_by: UUID
    decided_at: datetime
