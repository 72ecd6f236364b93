"""Level decisions: never changed, a new decision supersedes the last."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from pathway_api.models import Base


class LevelDecision(Base):
    """A family's (person_id None) or one child's level, decided under a configuration version."""

    __tablename__ = "level_decision"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # The workbook's person id of the child the decision is about; None for the whole family.
    person_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    configuration_version: Mapped[int] = mapped_column(ForeignKey("configuration.version"))
    level_code: Mapped[str] = mapped_column(String(40))
    level_label: Mapped[str] = mapped_column(String(200))
    level_rank: Mapped[int] = mapped_column(Integer)
    indicators: Mapped[list[str]] = mapped_column(ARRAY(Text))
    reason: Mapped[str] = mapped_column(String(2000))
    # "decision", or "escalation" when an escalation to child protection set it.
    basis: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_level_decision_family_id_decided_at", "family_id", "decided_at"),
        Index("ix_level_decision_case_id", "case_id"),
    )
