"""An early help involvement's stage and history, its consents, its TAF contacts, escalations."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from pathway_api.models import Base


class Involvement(Base):
    """Where an early help case is in the lifecycle (one per workbook case of that kind)."""

    __tablename__ = "involvement"

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    stage: Mapped[str] = mapped_column(String(16))
    stage_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set when the plan starts and after each review, from the configuration's cadence.
    next_review_due: Mapped[date | None] = mapped_column(Date)
    # After a review found deterioration, until the family steps up or the plan changes.
    step_up_prompted: Mapped[bool] = mapped_column(default=False)
    closed_reason: Mapped[str | None] = mapped_column(String(2000))
    family_informed_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(
            "stage IN ('identified', 'consent', 'assessment', 'plan', 'do', 'review', 'closed')",
            name="stage",
        ),
        CheckConstraint(
            "(stage = 'closed') = (closed_reason IS NOT NULL AND family_informed_on IS NOT NULL)",
            name="closed_fields",
        ),
        Index("ix_involvement_next_review_due", "next_review_due"),
    )


class StageChange(Base):
    """One move in the lifecycle, with why and by whom."""

    __tablename__ = "stage_change"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(2000))
    changed_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_stage_change_case_id_changed_at", "case_id", "changed_at"),)


class Consent(Base):
    """A family member's consent to parts of the work; withdrawing it stops what it covered."""

    __tablename__ = "consent"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # The workbook's id of the family member who consented, and their name as they gave it.
    person_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    member_name: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    given_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawn_reason: Mapped[str | None] = mapped_column(String(2000))
    withdrawn_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    __table_args__ = (
        CheckConstraint("form IN ('verbal', 'written')", name="form"),
        CheckConstraint("cardinality(scopes) >= 1", name="scopes"),
        CheckConstraint(
            "(withdrawn_on IS NULL) = (withdrawn_reason IS NULL)", name="withdrawn_fields"
        ),
        Index("ix_consent_case_id", "case_id"),
    )


class TafContact(Base):
    """A Team Around the Family member with no account here (a school's, a health visitor)."""

    __tablename__ = "taf_contact"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    name: Mapped[str] = mapped_column(String(200))
    agency: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(300))
    added_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_taf_contact_case_id", "case_id"),)


class Escalation(Base):
    """A worry of significant harm raised from early help: the referral decision clock starts."""

    __tablename__ = "escalation"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    worry: Mapped[str] = mapped_column(String(4000))
    raised_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # One working day from when it was raised (Working Together's referral decision).
    referral_decision_due: Mapped[date] = mapped_column(Date)

    __table_args__ = (Index("ix_escalation_case_id", "case_id"),)
