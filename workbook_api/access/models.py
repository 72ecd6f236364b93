"""Break-glass grants: time-limited, justified access to a case the caller could not see."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from workbook_api.models import Base


class BreakGlassGrant(Base):
    """One use of break-glass: who opened which case, why, and until when."""

    __tablename__ = "break_glass_grant"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("safeguarding_case.id"))
    practitioner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    practitioner_subject: Mapped[str] = mapped_column(String(255))
    practitioner_name: Mapped[str] = mapped_column(String(200))
    discipline: Mapped[str] = mapped_column(String(64))
    justification: Mapped[str] = mapped_column(String(2000))
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_practitioner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __mapper_args__ = {"eager_defaults": True}
    __table_args__ = (
        Index("ix_break_glass_grant_case_id", "case_id"),
        CheckConstraint("expires_at > granted_at", name="expires_after_grant"),
        Index("ix_break_glass_grant_practitioner_id_expires_at", "practitioner_id", "expires_at"),
    )
