"""Operations a device pushed and the workbook applied, so that replaying them is harmless."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, Text, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from workbook_api.models import Base


class SyncOperation(Base):
    """One applied push operation: whose, which (the device's id for it), what it asked."""

    __tablename__ = "sync_operation"

    subject: Mapped[str] = mapped_column(Text, primary_key=True)
    op_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # A digest of the operation as sent: the same id with other content is refused.
    request_hash: Mapped[str] = mapped_column(Text)
    entry_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (Index("ix_sync_operation_applied_at", "applied_at"),)
