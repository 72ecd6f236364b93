"""Published claim settings: each version kept for good, so a claim names the rules it met."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from pathway_api.models import Base
from services.versioned_config import PublishedVersion, version_positive


class ClaimSettings(PublishedVersion, Base):
    """One version of the council's Supporting Families claim settings; the highest is in force."""

    __tablename__ = "claim_settings"

    sustain_months: Mapped[int] = mapped_column(Integer)
    sample_percent: Mapped[int] = mapped_column(Integer)
    claim_period_months: Mapped[int] = mapped_column(Integer)
    funding_model: Mapped[str] = mapped_column(String(32))

    __table_args__ = (
        version_positive(),
        CheckConstraint("sustain_months BETWEEN 1 AND 24", name="sustain_months"),
        CheckConstraint("sample_percent BETWEEN 10 AND 100", name="sample_percent"),
        CheckConstraint("claim_period_months IN (1, 3, 6, 12)", name="claim_period_months"),
        CheckConstraint(
            "funding_model IN ('earned_autonomy', 'payment_by_results')", name="funding_model"
        ),
    )
