"""Assessments, the plan's SMART targets, and reviews of progress."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from pathway_api.models import Base


class Assessment(Base):
    """A whole-family early help assessment: the needs found against the headline areas."""

    __tablename__ = "assessment"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # Gloucestershire's levels: my_plan, my_assessment, my_plan_plus.
    assessment_type: Mapped[str] = mapped_column(String(16))
    areas: Mapped[list[str]] = mapped_column(ARRAY(Text))
    members_assessed: Mapped[int] = mapped_column(Integer)
    dependent_children: Mapped[bool] = mapped_column(Boolean)
    expectant_parent: Mapped[bool] = mapped_column(Boolean)
    summary: Mapped[str] = mapped_column(String(4000))
    configuration_version: Mapped[int] = mapped_column(ForeignKey("configuration.version"))
    completed_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(
            "assessment_type IN ('my_plan', 'my_assessment', 'my_plan_plus')", name="type"
        ),
        CheckConstraint("members_assessed >= 1", name="members_assessed"),
        Index("ix_assessment_case_id_completed_at", "case_id", "completed_at"),
    )


class Target(Base):
    """A SMART target of the Family Action Plan, for one identified need."""

    __tablename__ = "plan_target"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    area: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(1000))
    measure: Mapped[str] = mapped_column(String(1000))
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_plan_target_case_id", "case_id"),)


class Review(Base):
    """A review of the plan: progress on each target, and what happens next."""

    __tablename__ = "plan_review"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    held_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16))
    progress: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    summary: Mapped[str] = mapped_column(String(4000))
    next_review_due: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("outcome IN ('needs_met', 'continue', 'deterioration')", name="outcome"),
        Index("ix_plan_review_case_id_held_on", "case_id", "held_on"),
    )


class SafetyMapping(Base):
    """A Signs of Safety mapping: the three columns and the 0-10 scale, kept over time."""

    __tablename__ = "safety_mapping"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    worries: Mapped[str] = mapped_column(String(4000))
    working_well: Mapped[str] = mapped_column(String(4000))
    needs_to_happen: Mapped[str] = mapped_column(String(4000))
    # 10: everyone knows the children are safe enough to close; 0: harm is certain.
    workers_judgement: Mapped[int] = mapped_column(Integer)
    family_judgement: Mapped[int | None] = mapped_column(Integer)
    recorded_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("workers_judgement BETWEEN 0 AND 10", name="workers_judgement"),
        CheckConstraint(
            "family_judgement IS NULL OR family_judgement BETWEEN 0 AND 10",
            name="family_judgement",
        ),
        Index("ix_safety_mapping_case_id_recorded_at", "case_id", "recorded_at"),
    )
