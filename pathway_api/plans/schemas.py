"""Assessments, screening, the plan's targets, reviews, and overdue reviews."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from services.schemas import Input, ReadModel

AreaCode = Field(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")
AssessmentType = Literal["my_plan", "my_assessment", "my_plan_plus"]
ReviewOutcome = Literal["needs_met", "continue", "deterioration"]
Progress = Literal["not_started", "some_progress", "on_track", "achieved", "worse"]


class AssessmentCreate(Input):
    """A completed whole-family assessment: the needs found against the headline areas."""

    assessment_type: AssessmentType = Field(
        description="My Plan, My Assessment, or My Plan+ (with a Team Around the Family)"
    )
    areas: list[str] = Field(
        max_length=20, description="Codes of the headline areas where the family has needs"
    )
    members_assessed: int = Field(ge=1, le=30, description="Every member of the family")
    dependent_children: bool
    expectant_parent: bool = False
    summary: str = Field(min_length=3, max_length=4000)


class Screening(ReadModel):
    """Supporting Families screening of an assessment under a configuration's rule."""

    configuration_version: int
    areas: list[str]
    min_areas: int
    requires_dependent_children_or_expectant_parent: bool
    eligible: bool
    reasons: list[str]


class AssessmentRead(ReadModel):
    """An assessment, screened under the rule in force when it was completed."""

    id: UUID
    case_id: UUID
    assessment_type: AssessmentType
    areas: list[str]
    members_assessed: int
    dependent_children: bool
    expectant_parent: bool
    summary: str
    configuration_version: int
    completed_by: UUID
    completed_at: datetime
    screening: Screening


class TargetCreate(Input):
    """A SMART target for one identified need: what, measured how, by whom, by when."""

    area: str = AreaCode
    outcome: str = Field(min_length=3, max_length=1000, description="Specific: what will change")
    measure: str = Field(min_length=3, max_length=1000, description="How we will know")
    owner: str = Field(min_length=1, max_length=200, description="Who is responsible")
    due_on: date = Field(description="Time-bound: by when")


class TargetRead(ReadModel):
    """A target of the Family Action Plan."""

    id: UUID
    case_id: UUID
    area: str
    outcome: str
    measure: str
    owner: str
    due_on: date
    created_by: UUID
    created_at: datetime


class PlanRead(ReadModel):
    """The Family Action Plan, and the identified needs it has no SMART target for."""

    case_id: UUID
    targets: list[TargetRead]
    identified_areas: list[str]
    areas_without_target: list[str]
    complete: bool


class TargetProgress(Input):
    """Progress on one target at a review."""

    target_id: UUID
    progress: Progress
    note: str | None = Field(default=None, min_length=1, max_length=1000)


class ReviewCreate(Input):
    """A review of the plan: progress on every target, and its outcome."""

    held_on: date
    outcome: ReviewOutcome = Field(
        description="needs_met: close; continue: carry on; deterioration: consider stepping up"
    )
    progress: list[TargetProgress] = Field(min_length=1, max_length=50)
    summary: str = Field(min_length=3, max_length=4000)

    @model_validator(mode="after")
    def _one_each(self) -> ReviewCreate:
        ids = [item.target_id for item in self.progress]
        if len(set(ids)) != len(ids):
            raise ValueError("Each target's progress is given once.")
        return self


class ReviewRead(ReadModel):
    """A review."""

    id: UUID
    case_id: UUID
    held_on: date
    outcome: ReviewOutcome
    progress: list[TargetProgress]
    summary: str
    next_review_due: date | None
    recorded_by: UUID
    recorded_at: datetime


class OverdueReview(ReadModel):
    """An early help plan whose review is overdue."""

    case_id: UUID
    family_id: UUID
    owning_team_id: UUID
    stage: str
    next_review_due: date
    working_days_overdue: int
    lead_practitioner_id: UUID | None
    lead_name: str | None


class SafetyMappingCreate(Input):
    """A Signs of Safety mapping with the family: three columns and the safety scale."""

    worries: str = Field(min_length=3, max_length=4000, description="What are we worried about?")
    working_well: str = Field(min_length=3, max_length=4000, description="What is working well?")
    needs_to_happen: str = Field(min_length=3, max_length=4000, description="What needs to happen?")
    workers_judgement: int = Field(
        ge=0, le=10, description="The workers' safety judgement: 10 is safe enough to close"
    )
    family_judgement: int | None = Field(
        default=None, ge=0, le=10, description="The family's own judgement on the same scale"
    )


class SafetyMappingRead(ReadModel):
    """A Signs of Safety mapping."""

    id: UUID
    case_id: UUID
    worries: str
    working_well: str
    needs_to_happen: str
    workers_judgement: int
    family_judgement: int | None
    recorded_by: UUID
    recorded_at: datetime
