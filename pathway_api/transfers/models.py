"""Transfers between early help and Family Safeguarding."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from pathway_api.models import Base


class Transfer(Base):
    """A family's move up or down the continuum; the sending team keeps it until accepted."""

    __tablename__ = "transfer"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    # The sending case: early help for a step up, Family Safeguarding for a step down.
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    direction: Mapped[str] = mapped_column(String(16))
    sending_team_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    receiving_team_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[str] = mapped_column(String(2000))
    current_picture: Mapped[str] = mapped_column(String(4000))
    status: Mapped[str] = mapped_column(String(16))
    meeting_held_on: Mapped[date | None] = mapped_column(Date)
    meeting_notes: Mapped[str | None] = mapped_column(String(4000))
    requested_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("direction IN ('step_up', 'step_down')", name="direction"),
        CheckConstraint("status IN ('requested', 'accepted')", name="status"),
        CheckConstraint(
            "(status = 'accepted') = (accepted_at IS NOT NULL AND meeting_held_on IS NOT NULL)",
            name="accepted_fields",
        ),
        # One transfer under way per sending case.
        Index(
            "uq_transfer_requested_case",
            "case_id",
            unique=True,
            postgresql_where=text("status = 'requested'"),
        ),
        Index("ix_transfer_receiving_team_id", "receiving_team_id"),
    )
