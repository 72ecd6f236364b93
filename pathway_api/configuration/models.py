"""Published configurations: each version kept for good, so old decisions keep their meaning."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Integer, String, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from pathway_api.models import Base


class Configuration(Base):
    """One version of the council's continuum; the highest version is in force."""

    __tablename__ = "configuration"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    headline_areas: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSONB)
    review_interval_working_days: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500))
    # None for the built-in defaults (nobody published them).
    published_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    published_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (CheckConstraint("version >= 1", name="version_positive"),)
