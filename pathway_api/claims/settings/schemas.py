"""Claim settings as administrators publish them and everyone reads them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from services.schemas import Input, ReadModel

FundingModel = Literal["earned_autonomy", "payment_by_results"]
ClaimPeriod = Literal[1, 3, 6, 12]


class ClaimSettingsWrite(Input):
    """A new version of the claim settings; it is in force from its publication."""

    sustain_months: int = Field(
        ge=1, le=24, description="Months progress must be sustained after closure (nationally 6)"
    )
    sample_percent: int = Field(
        ge=10,
        le=100,
        description="Percentage of claimed families drawn for audit, at least 10 (rounded up "
        "in each team)",
    )
    claim_period_months: ClaimPeriod = Field(
        description="Length of a claim period in months, from January (3: quarterly)"
    )
    funding_model: FundingModel = Field(
        description="earned_autonomy, or payment_by_results (the audit sample is decided "
        "before a batch is submitted)"
    )
    note: str = Field(min_length=3, max_length=500, description="What changed, and why")


class ClaimSettingsRead(ReadModel):
    """A version of the claim settings."""

    version: int
    sustain_months: int
    sample_percent: int
    claim_period_months: int
    funding_model: FundingModel
    note: str
    published_by: UUID | None
    published_at: datetime


class ClaimRules(BaseModel):
    """Settings as the claim services reason with them."""

    version: int
    sustain_months: int
    sample_percent: int
    claim_period_months: int
    funding_model: FundingModel
