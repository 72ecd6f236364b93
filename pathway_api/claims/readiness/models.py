"""When the system first found a family ready to claim for (so it is announced once)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Index, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from pathway_api.models import Base


class ReadinessAnnouncement(Base):
    """A closed involvement found ready: the `claim ready` event went out with this row."""

    __tablename__ = "claim_ready_announcement"

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    owning_team_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    ready_on: Mapped[date] = mapped_column(Date)
    announced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_claim_ready_announcement_team", "owning_team_id"),)
