"""Framework and settings versions (kept for good), and imports kept as counts per team.

A data-matching return names families; only how many families of each team had each value is
kept (`outcome_import_count`), never which families, so the figures need no personal data.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from pathway_api.models import Base
from services.versioned_config import PublishedVersion, version_positive


class OutcomeFramework(PublishedVersion, Base):
    """One version of one framework; each framework's highest version is in force."""

    __tablename__ = "outcome_framework"

    # Each framework is versioned on its own (see `service.FRAMEWORKS`).
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    outcomes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    measures: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)

    __table_args__ = (version_positive(),)


class OutcomeSettings(PublishedVersion, Base):
    """One version of the reporting settings: the smallest count shown, and the localities."""

    __tablename__ = "outcome_settings"

    minimum_cell_count: Mapped[int] = mapped_column(Integer)
    localities: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)

    __table_args__ = (
        version_positive(),
        CheckConstraint("minimum_cell_count >= 2", name="minimum_cell_count"),
    )


class OutcomeImport(Base):
    """A data-matching return for one dataset and month, as uploaded."""

    __tablename__ = "outcome_import"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    dataset: Mapped[str] = mapped_column(String(40))
    # The first day of the month the return is about.
    period: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer)
    # The teams the return speaks for (its uploader's); None: every team (the council's).
    # The newest import of a dataset and month speaks for each team it covers.
    teams: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(Uuid))
    uploaded_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("extract(day FROM period) = 1", name="period_month"),
        Index("ix_outcome_import_dataset_period", "dataset", "period"),
    )


class OutcomeImportCount(Base):
    """How many of a team's families had one value in an import (never which families)."""

    __tablename__ = "outcome_import_count"

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("outcome_import.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, primary_key=True)
    families: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("value >= 0", name="value"),
        CheckConstraint("families >= 1", name="families"),
    )
