"""Claim readiness as the API shows it: each criterion met or missing, with what is missing."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field

from pathway_api.claims.readiness.rule import CriterionCode
from services.schemas import ReadModel


class CriterionRead(ReadModel):
    """One Supporting Families criterion."""

    code: CriterionCode
    met: bool
    missing: list[str] = Field(description="What is missing; empty when met")


class ReadinessRead(ReadModel):
    """Whether a family's closed early help can be claimed for, and why not."""

    case_id: UUID
    family_id: UUID
    owning_team_id: UUID
    ready: bool
    criteria: list[CriterionRead]
    closed_on: date | None
    sustained_until: date | None = Field(description="When the sustain period ends (closed only)")
    evaluated_on: date
    settings_version: int
    configuration_version: int
    claim_id: UUID | None = Field(description="The family's claim in force, if claimed for")
