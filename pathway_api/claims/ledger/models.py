"""Claims, batches per claim period, the audit sample drawn from a batch, audit decisions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from pathway_api.models import Base


class ClaimBatch(Base):
    """The claims of one claim period: open, then submitted (frozen)."""

    __tablename__ = "claim_batch"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    period_start: Mapped[date] = mapped_column(Date, unique=True)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    # The draw: its seed, percentage, when and by whom, and the claims it was drawn from.
    sample_seed: Mapped[str | None] = mapped_column(String(64))
    sample_percent: Mapped[int | None] = mapped_column(Integer)
    sample_population: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(Uuid))
    sampled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sampled_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The funding model and settings the batch was submitted under.
    funding_model: Mapped[str | None] = mapped_column(String(32))
    settings_version: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("status IN ('open', 'submitted')", name="status"),
        CheckConstraint("period_end > period_start", name="period"),
        CheckConstraint(
            "(status = 'submitted') = (submitted_at IS NOT NULL)", name="submitted_fields"
        ),
        CheckConstraint(
            "(sample_seed IS NULL) = (sampled_at IS NULL AND sample_population IS NULL)",
            name="sample_fields",
        ),
    )


class Claim(Base):
    """A claim for one family's closed early help, with the evidence it was made on."""

    __tablename__ = "claim"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    owning_team_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("claim_batch.id"))
    # claimed -> (accepted | returned); a returned claim is out of its batch.
    status: Mapped[str] = mapped_column(String(16))
    # The readiness and the plan's outcomes at the time of claiming (what an auditor checks).
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB)
    settings_version: Mapped[int] = mapped_column(Integer)
    claimed_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The manager's quality assurance before submission.
    assured_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    assured_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assurance_note: Mapped[str | None] = mapped_column(String(2000))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("status IN ('claimed', 'accepted', 'returned')", name="status"),
        CheckConstraint("(assured_by IS NULL) = (assured_at IS NULL)", name="assured_fields"),
        # One claim in force per involvement; a returned one may be claimed again.
        Index(
            "uq_claim_live_case",
            "case_id",
            unique=True,
            postgresql_where=text("status <> 'returned'"),
        ),
        Index("ix_claim_batch_id", "batch_id"),
        Index("ix_claim_owning_team_id", "owning_team_id"),
    )


class SampledClaim(Base):
    """A claim drawn for audit: its stratum (team) and its place in the keyed-hash order."""

    __tablename__ = "claim_sample"

    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("claim_batch.id"), primary_key=True)
    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("claim.id"), primary_key=True)
    stratum: Mapped[uuid.UUID] = mapped_column(Uuid)
    rank: Mapped[int] = mapped_column(Integer)
    sort_key: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_claim_sample_claim_id", "claim_id", unique=True),)


class AuditDecision(Base):
    """The audit's decision on a sampled claim: accepted, or returned with reasons."""

    __tablename__ = "claim_audit_decision"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    claim_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("claim.id"))
    decision: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[str | None] = mapped_column(String(4000))
    evidence_requested: Mapped[str | None] = mapped_column(String(4000))
    decided_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("decision IN ('accepted', 'returned')", name="decision"),
        CheckConstraint(
            "(decision = 'returned') = (reasons IS NOT NULL AND evidence_requested IS NOT NULL)",
            name="returned_fields",
        ),
        Index("uq_claim_audit_decision_claim", "claim_id", unique=True),
    )
