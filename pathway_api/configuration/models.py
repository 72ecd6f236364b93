"""Published configurations: each version kept for good, so old decisions keep their meaning."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from pathway_api.models import Base
from services.versioned_config import PublishedVersion, version_positive


class Configuration(PublishedVersion, Base):
    """One version of the council's continuum; the highest version is in force."""

    __tablename__ = "configuration"

    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    headline_areas: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSONB)
    review_interval_working_days: Mapped[int] = mapped_column(Integer)

    __table_args__ = (version_positive(),)
