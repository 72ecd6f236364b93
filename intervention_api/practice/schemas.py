"""Request and response bodies for MITI codings and the practice quality reports."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from services.schemas import Input, ReadModel

GLOBAL_SCORE = Field(ge=1, le=5)
COUNT = Field(ge=0, le=1000)


class MitiScores(BaseModel):
    """The four global scores (1-5) and the ten behaviour counts of MITI 4.2.1."""

    cultivating_change_talk: int = GLOBAL_SCORE
    softening_sustain_talk: int = GLOBAL_SCORE
    partnership: int = GLOBAL_SCORE
    empathy: int = GLOBAL_SCORE
    giving_information: int = COUNT
    persuade: int = COUNT
    persuade_with_permission: int = COUNT
    question: int = COUNT
    simple_reflection: int = COUNT
    complex_reflection: int = COUNT
    affirm: int = COUNT
    seeking_collaboration: int = COUNT
    emphasizing_autonomy: int = COUNT
    confront: int = COUNT


class MitiCodingCreate(MitiScores, Input):
    """A MITI 4.2.1 coding of a session, by the session's worker or by an observer."""


class Measure(ReadModel):
    """One summary measure against the published MITI 4 thresholds (none where MITI 4
    publishes none)."""

    value: float | None
    fair: float | None
    good: float | None
    rating: Literal["below_fair", "fair", "good"] | None


class MitiSummary(ReadModel):
    """The MITI 4 summary measures of one or more codings."""

    codings: int
    technical_global: Measure
    relational_global: Measure
    percent_complex_reflections: Measure
    reflection_to_question_ratio: Measure
    total_mi_adherent: Measure
    total_mi_non_adherent: Measure
    percent_mi_adherent: Measure


class MitiCodingRead(MitiScores, ReadModel):
    """A coding as stored, with its summary measures."""

    id: UUID
    session_id: UUID
    coder_id: UUID
    coder_role: Literal["worker", "observer"]
    coded_at: datetime
    summary: MitiSummary


class PracticePeriod(ReadModel):
    """A worker's or a team's MITI measures over one calendar month (sessions held in it)."""

    period: str = Field(description="The month, YYYY-MM (Europe/London)")
    worker_id: UUID | None
    team_id: UUID | None
    name: str | None = Field(description="The worker's or team's name, as the directory has it")
    summary: MitiSummary
