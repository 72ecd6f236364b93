"""Chronology events recorded by other services (group supervision decisions and the like)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from workbook_api.models import Base


class ChronologyEvent(Base):
    """An event from another service that belongs in a case's chronology."""

    __tablename__ = "chronology_event"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("safeguarding_case.id"))
    source: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(128))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(String(4000))
    # The producer's id for the event, so a redelivered event is recorded once.
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    __table_args__ = (
        Index("ix_chronology_event_case_id_occurred_at_id", "case_id", "occurred_at", "id"),
    )
