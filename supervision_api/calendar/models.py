"""Practitioners' private calendar feeds: the secret in the URL is the credential.

Calendar programs (Outlook, Google Calendar) subscribe to a URL and cannot sign in, so the URL
carries a long random secret. Only its SHA-256 is stored: the database never holds what would
open the feed. A practitioner has at most one live feed; a new one revokes the old, and a
revoked feed answers 404 like one that never existed.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, String, Uuid, func, text
from sqlalchemy.orm import Mapped, mapped_column

from supervision_api.models import Base


class CalendarFeed(Base):
    """One feed URL of a practitioner."""

    __tablename__ = "calendar_feed"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    practitioner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # Hex SHA-256 of the secret in the URL.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(
            "ix_calendar_feed_practitioner_id_live",
            "practitioner_id",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )
