"""MITI 4.2.1 codings of programme sessions."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from intervention_api.models import Base

GLOBALS = ("cultivating_change_talk", "softening_sustain_talk", "partnership", "empathy")
BEHAVIOURS = (
    "giving_information",
    "persuade",
    "persuade_with_permission",
    "question",
    "simple_reflection",
    "complex_reflection",
    "affirm",
    "seeking_collaboration",
    "emphasizing_autonomy",
    "confront",
)
CODER_ROLES = ("worker", "observer")


class MitiCoding(Base):
    """One coder's MITI 4.2.1 coding of one session (a session may have the worker's and an
    observer's)."""

    __tablename__ = "miti_coding"
    __table_args__ = (
        UniqueConstraint("session_id", "coder_id"),
        CheckConstraint("coder_role IN ('worker', 'observer')", name="coder_role"),
        *(CheckConstraint(f"{name} BETWEEN 1 AND 5", name=f"{name}_range") for name in GLOBALS),
        *(CheckConstraint(f"{name} >= 0", name=f"{name}_count") for name in BEHAVIOURS),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("programme_session.id", ondelete="RESTRICT")
    )
    coder_id: Mapped[uuid.UUID]
    coder_role: Mapped[str] = mapped_column(String(16))
    coded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    cultivating_change_talk: Mapped[int] = mapped_column(SmallInteger)
    softening_sustain_talk: Mapped[int] = mapped_column(SmallInteger)
    partnership: Mapped[int] = mapped_column(SmallInteger)
    empathy: Mapped[int] = mapped_column(SmallInteger)
    giving_information: Mapped[int] = mapped_column(Integer)
    persuade: Mapped[int] = mapped_column(Integer)
    persuade_with_permission: Mapped[int] = mapped_column(Integer)
    question: Mapped[int] = mapped_column(Integer)
    simple_reflection: Mapped[int] = mapped_column(Integer)
    complex_reflection: Mapped[int] = mapped_column(Integer)
    affirm: Mapped[int] = mapped_column(Integer)
    seeking_collaboration: Mapped[int] = mapped_column(Integer)
    emphasizing_autonomy: Mapped[int] = mapped_column(Integer)
    confront: Mapped[int] = mapped_column(Integer)
