"""Claims, batches, the audit sample and audit decisions, as the API takes and shows them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from services.schemas import Input, ReadModel

ClaimStatus = Literal["claimed", "accepted", "returned"]
BatchStatus = Literal["open", "submitted"]
Decision = Literal["accepted", "returned"]


class EvidenceCriterion(ReadModel):
    """A readiness criterion as it stood when the claim was made."""

    code: str
    met: bool
    missing: list[str]


class EvidenceTarget(ReadModel):
    """A SMART target and the outcome its latest review recorded."""

    target_id: UUID
    area: str
    outcome: str
    measure: str
    progress: str | None
    note: str | None
    reviewed_on: date | None


class ClaimEvidence(ReadModel):
    """What a claim was made on: the criteria, and each target's recorded outcome."""

    evaluated_on: date
    sustained_until: date | None
    criteria: list[EvidenceCriterion]
    targets: list[EvidenceTarget]


class AuditDecisionRead(ReadModel):
    """The audit's decision on a claim."""

    decision: Decision
    reasons: str | None
    evidence_requested: str | None
    decided_by: UUID
    decided_at: datetime


class ClaimRead(ReadModel):
    """A claim with the evidence it was made on, its assurance and the audit's decision."""

    id: UUID
    case_id: UUID
    family_id: UUID
    owning_team_id: UUID
    batch_id: UUID
    status: ClaimStatus
    evidence: ClaimEvidence = Field(
        description="The readiness criteria and each target's recorded outcome when claimed"
    )
    settings_version: int
    claimed_by: UUID
    claimed_at: datetime
    assured_by: UUID | None
    assured_at: datetime | None
    assurance_note: str | None
    sampled: bool
    audit: AuditDecisionRead | None
    version: int


class AssuranceCreate(Input):
    """A manager's quality assurance of a claim before its batch is submitted."""

    note: str = Field(min_length=3, max_length=2000, description="What was checked")


class AuditDecisionCreate(Input):
    """Accept a sampled claim, or return it with the reasons and the evidence asked for."""

    decision: Decision
    reasons: str | None = Field(default=None, min_length=3, max_length=4000)
    evidence_requested: str | None = Field(default=None, min_length=3, max_length=4000)

    @model_validator(mode="after")
    def _returned_says_why(self) -> AuditDecisionCreate:
        returned = self.decision == "returned"
        given = self.reasons is not None and self.evidence_requested is not None
        if returned and not given:
            raise ValueError("A returned claim needs the reasons and the evidence asked for.")
        if not returned and (self.reasons is not None or self.evidence_requested is not None):
            raise ValueError("Reasons and evidence are given only when a claim is returned.")
        return self


class BatchRead(ReadModel):
    """A claim period's batch: its claims counted, its assurance, sample and submission."""

    id: UUID
    period_start: date
    period_end: date
    status: BatchStatus
    claims: int = Field(description="Claims in the batch (returned claims are out of it)")
    assured: int = Field(description="Claims a manager has quality assured")
    returned: int
    sampled: int
    sample_seed: str | None
    sample_percent: int | None
    sampled_at: datetime | None
    funding_model: str | None
    settings_version: int | None
    submitted_at: datetime | None
    submitted_by: UUID | None
    version: int


class SampleDraw(Input):
    """Draw the audit sample; the seed is recorded (a fresh random one unless given)."""

    seed: str | None = Field(
        default=None,
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The seed to draw with; leave out for a random one",
    )


class SampledRead(ReadModel):
    """A claim drawn for audit."""

    claim_id: UUID
    case_id: UUID
    stratum: UUID = Field(description="The team the claim was drawn from")
    rank: int
    sort_key: str = Field(description="HMAC-SHA256(seed, claim id), hex")
    status: ClaimStatus


class SampleRead(ReadModel):
    """A batch's audit sample and the check that re-drawing it gives the same claims."""

    batch_id: UUID
    seed: str
    percent: int
    population: int
    sampled_at: datetime
    sampled_by: UUID
    method: str
    redraw_matches: bool = Field(
        description="Drawing again with the recorded seed over the recorded claims gives "
        "exactly this sample"
    )
    claims: list[SampledRead]
