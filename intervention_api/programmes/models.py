"""Programme versions: one row per catalogue loaded, never changed once loaded."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from intervention_api.models import Base

SOURCE_FORMATS = ("yaml", "json")


class ProgrammeVersion(Base):
    """A programme as one catalogue file defined it; enrolments point at the version they use."""

    __tablename__ = "programme_version"
    __table_args__ = (
        UniqueConstraint("code", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("source_format IN ('yaml', 'json')", name="source_format"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    notice: Mapped[str | None] = mapped_column(Text)
    # The whole validated definition (modules, aims, suggested sessions, tools), as loaded.
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    source_format: Mapped[str] = mapped_column(String(8))
    loaded_by: Mapped[uuid.UUID]
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
