"""Cases (Family Safeguarding involvements), their allocations and workbook episodes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.event_contracts import FAMILY_SAFEGUARDING
from workbook_api.models import Base

CASE_STATUSES = ("open", "closed")


class Case(Base):
    """An involvement with one family, owned by one team: Family Safeguarding or early help."""

    __tablename__ = "safeguarding_case"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    family_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("family.id"))
    owning_team_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(16))
    # services/event_contracts.py CASE_KINDS; it never changes (stepping up opens another case).
    kind: Mapped[str] = mapped_column(
        String(32), default=FAMILY_SAFEGUARDING, server_default=FAMILY_SAFEGUARDING
    )
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opened_reason: Mapped[str] = mapped_column(String(2000))
    opened_by_practitioner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_reason: Mapped[str | None] = mapped_column(String(2000))
    closed_by_practitioner_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
    __table_args__ = (
        Index("ix_safeguarding_case_family_id", "family_id"),
        Index("ix_safeguarding_case_owning_team_id", "owning_team_id"),
        CheckConstraint("status IN ('open', 'closed')", name="status"),
        CheckConstraint("kind IN ('family_safeguarding', 'early_help')", name="kind"),
        CheckConstraint(
            "(status = 'open' AND closed_at IS NULL AND closed_reason IS NULL)"
            " OR (status = 'closed' AND closed_at IS NOT NULL AND closed_reason IS NOT NULL)",
            name="closed_fields",
        ),
        # One open involvement of each kind per family at a time: a second would split the
        # workbook. Early help and Family Safeguarding overlap while a family steps up or down
        # (the sending team keeps the family until the receiving team accepts).
        Index(
            "uq_safeguarding_case_open_family_kind",
            "family_id",
            "kind",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_safeguarding_case_created_at_id", "created_at", "id"),
    )


class Allocation(Base):
    """A practitioner working on a case in a discipline, from a time until (maybe) another."""

    __tablename__ = "allocation"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("safeguarding_case.id"))
    practitioner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # The directory lives in the gateway: the name is a snapshot taken at allocation time.
    practitioner_name: Mapped[str] = mapped_column(String(200))
    discipline: Mapped[str] = mapped_column(String(64))
    is_allocated_social_worker: Mapped[bool] = mapped_column(Boolean)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_reason: Mapped[str | None] = mapped_column(String(500))
    allocated_by_practitioner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}
    __table_args__ = (
        CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="ends_after_start"),
        Index("ix_allocation_case_id_starts_at", "case_id", "starts_at"),
        Index("ix_allocation_practitioner_id_case_id", "practitioner_id", "case_id"),
        # The database itself refuses two allocated social workers whose periods overlap...
        ExcludeConstraint(
            (text("case_id"), "="),
            (text("tstzrange(starts_at, ends_at, '[)')"), "&&"),
            name="ex_allocation_one_social_worker",
            using="gist",
            where=text("is_allocated_social_worker"),
        ),
        # ...and the same practitioner allocated twice over the same period.
        ExcludeConstraint(
            (text("case_id"), "="),
            (text("practitioner_id"), "="),
            (text("tstzrange(starts_at, ends_at, '[)')"), "&&"),
            name="ex_allocation_no_overlap_per_practitioner",
            using="gist",
        ),
    )


class Episode(Base):
    """A workbook episode: one opens with the case and another after each group supervision."""

    __tablename__ = "episode"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("safeguarding_case.id"))
    number: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opened_by_event: Mapped[str] = mapped_column(String(64))
    # Why the case opened, reopened or closed at this episode's edges, so that reopening a
    # case (which clears the case's closure fields) never loses an earlier closure's reason.
    opened_reason: Mapped[str | None] = mapped_column(String(2000))
    closed_reason: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __mapper_args__ = {"eager_defaults": True}
    __table_args__ = (
        UniqueConstraint("case_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("closed_at IS NULL OR closed_at >= opened_at", name="closes_after_open"),
        Index(
            "uq_episode_open_per_case",
            "case_id",
            unique=True,
            postgresql_where=text("closed_at IS NULL"),
        ),
    )
