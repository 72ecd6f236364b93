"""Published claim settings: each version kept for good, so a claim names the rules it met."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from pathway_api.models import Base


class ClaimSettings(Base):
    """One version of the council's Supporting Families claim settings; the highest is in force."""

    __tablename__ = "claim_settings"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sustain_months: Mapped[int] = mapped_column(Integer)
    sample_percent: Mapped[int] = mapped_column(Integer)
    claim_period_months: Mapped[int] = mapped_column(Integer)
    funding_model: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(500))
    # None for the built-in defaults (nobody published them).
    published_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    published_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("sustain_months BETWEEN 1 AND 24", name="sustain_months"),
        CheckConstraint("sample_percent BETWEEN 10 AND 100", name="sample_percent"),
        CheckConstraint("claim_period_months IN (1, 3, 6, 12)", name="claim_period_months"),
        CheckConstraint(
            "funding_model IN ('earned_autonomy', 'payment_by_results')", name="funding_model"
        ),
    )
