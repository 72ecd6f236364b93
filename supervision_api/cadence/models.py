"""How often each case is due a Group Case Supervision, and when it last had one.

A team's setting applies to all its cases; a case's own setting (a family needing fortnightly
supervision, say) overrides it member by member. `last_gcs_at` moves only when a GCS record
for the case is finalised (supervision_api/records/), so cadence follows what was held, not
what was booked.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, SmallInteger, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from supervision_api.models import Base

INTERVAL_DAYS_RANGE = (7, 91)
FIRST_DUE_RANGE = (1, 60)
DUE_SOON_RANGE = (1, 30)


class TeamCadence(Base):
    """A team's cadence, set by its managers (absent: the defaults)."""

    __tablename__ = "team_cadence"

    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    # Calendar days from one held GCS to the next one's due date.
    interval_days: Mapped[int] = mapped_column(SmallInteger)
    # Working days from a case's opening to its first GCS.
    first_due_working_days: Mapped[int] = mapped_column(SmallInteger)
    # A case is "due soon" this many working days before its due date.
    due_soon_working_days: Mapped[int] = mapped_column(SmallInteger)
    updated_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
    __table_args__ = (
        CheckConstraint("interval_days BETWEEN 7 AND 91", name="interval_days"),
        CheckConstraint("first_due_working_days BETWEEN 1 AND 60", name="first_due"),
        CheckConstraint("due_soon_working_days BETWEEN 1 AND 30", name="due_soon"),
    )


class CaseCadence(Base):
    """A case's own cadence (members left null follow the team) and its last held GCS."""

    __tablename__ = "case_cadence"

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    interval_days: Mapped[int | None] = mapped_column(SmallInteger)
    first_due_working_days: Mapped[int | None] = mapped_column(SmallInteger)
    last_gcs_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
    __table_args__ = (
        CheckConstraint("interval_days BETWEEN 7 AND 91", name="interval_days"),
        CheckConstraint("first_due_working_days BETWEEN 1 AND 60", name="first_due"),
    )
