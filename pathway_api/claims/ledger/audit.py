"""The audit sample of a batch, the audit's decisions, and submitting the batch.

The sample is drawn once per batch from its claims in force, by `sampling.draw` with a seed
that is recorded with the draw and the claims it was drawn from, so anyone can re-draw it (the
sample's read does, and says whether it matches). An auditor accepts a sampled claim or returns
it with the reasons and the evidence asked for; a returned claim leaves its batch (it is no
longer counted or submitted) and the family may be claimed for again once the evidence is on
the record. Submitting freezes the batch. Under payment by results the sample must be drawn and
every sampled claim decided first; under earned autonomy the council answers for its own
checks, so the sample may be drawn and decided before submission but only the managers'
assurance is required.
"""

from __future__ import annotations

import secrets
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.claims.events import announce
from pathway_api.claims.ledger import repository
from pathway_api.claims.ledger.models import AuditDecision, Claim, ClaimBatch, SampledClaim
from pathway_api.claims.ledger.sampling import Candidate, Drawn, draw
from pathway_api.claims.ledger.schemas import (
    AuditDecisionCreate,
    SampleDraw,
    SampledRead,
    SampleRead,
)
from pathway_api.claims.ledger.service import batch_closed, visible_claim
from pathway_api.claims.settings import service as claim_settings
from pathway_api.models import destructions
from services.auth import AUDITOR_ROLE, SUPPORTING_FAMILIES_ROLE
from services.clock import transaction_now
from services.errors import NotFound, ProblemError
from services.event_contracts import (
    PATHWAY_CLAIM_AUDIT_DECIDED,
    PATHWAY_CLAIM_SAMPLED,
    ClaimAuditDecided,
    ClaimSampled,
)
from services.principal import Principal
from services.retention.certificates import refuse_destroyed

METHOD = (
    "Per team (stratum), claims ordered by HMAC-SHA256(key=seed, message=claim id) in hex, "
    "then by id; the first ceil(percent x claims in the team / 100) drawn."
)
LIVE = repository.LIVE


async def open_batch_locked(session: AsyncSession, batch_id: UUID) -> ClaimBatch:
    batch = await repository.batch(session, batch_id, lock=True)
    if batch is None:
        raise NotFound("batch")
    if batch.status != "open":
        raise batch_closed()
    return batch


async def draw_sample(
    session: AsyncSession, principal: Principal, batch_id: UUID, body: SampleDraw
) -> ClaimBatch:
    """Draw the batch's audit sample (once) and announce each claim drawn."""
    batch = await open_batch_locked(session, batch_id)
    if batch.sample_seed is not None:
        raise ProblemError(409, "sample-drawn", "The batch's audit sample is already drawn.")
    population = [c for c in await repository.batch_claims(session, batch.id) if c.status in LIVE]
    if not population:
        raise ProblemError(409, "batch-empty", "The batch has no claims to draw from.")
    seed = body.seed or secrets.token_hex(16)
    percent = (await claim_settings.current(session)).sample_percent
    now = await transaction_now(session)
    drawn = draw(seed, percent, [Candidate(c.id, c.owning_team_id) for c in population])
    batch.sample_seed, batch.sample_percent = seed, percent
    batch.sample_population = sorted(c.id for c in population)
    batch.sampled_at, batch.sampled_by = now, principal.practitioner_id
    by_id = {c.id: c for c in population}
    for item in drawn:
        session.add(
            SampledClaim(
                batch_id=batch.id,
                claim_id=item.claim_id,
                stratum=item.stratum,
                rank=item.rank,
                sort_key=item.sort_key,
            )
        )
    await session.flush()
    for item in drawn:
        claim = by_id[item.claim_id]
        await announce(
            session,
            PATHWAY_CLAIM_SAMPLED,
            ClaimSampled(
                claim_id=claim.id, case_id=claim.case_id, batch_id=batch.id, seed=seed, drawn_at=now
            ),
            case_id=claim.case_id,
            team_id=claim.owning_team_id,
            subject=f"claims/{claim.id}",
            title="Supporting Families: the claim was drawn for audit",
        )
    return batch


def _may_see(principal: Principal, team_id: UUID) -> bool:
    """Which sampled claims a reader of the sample is shown (the ledger's rule)."""
    if principal.has_role(SUPPORTING_FAMILIES_ROLE) or principal.has_role(AUDITOR_ROLE):
        return True
    return team_id in principal.managed_team_ids


async def sample_read(session: AsyncSession, principal: Principal, batch_id: UUID) -> SampleRead:
    """The recorded draw, re-drawn from its seed over its claims to show it matches."""
    batch = await repository.batch(session, batch_id)
    if batch is None or batch.sample_seed is None:
        raise NotFound("sample")
    assert batch.sample_percent is not None
    assert batch.sample_population is not None
    assert batch.sampled_at is not None
    assert batch.sampled_by is not None
    rows = await repository.sample(session, batch.id)
    strata = await repository.claim_teams(session, batch.sample_population)
    redrawn = draw(
        batch.sample_seed,
        batch.sample_percent,
        [Candidate(claim_id, strata[claim_id]) for claim_id in batch.sample_population],
    )
    recorded = [Drawn(r.claim_id, r.stratum, r.rank, r.sort_key) for r in rows]
    return SampleRead(
        batch_id=batch.id,
        seed=batch.sample_seed,
        percent=batch.sample_percent,
        population=len(batch.sample_population),
        sampled_at=batch.sampled_at,
        sampled_by=batch.sampled_by,
        method=METHOD,
        redraw_matches=sorted(redrawn, key=_order) == sorted(recorded, key=_order),
        claims=[SampledRead.of(r) for r in rows if _may_see(principal, r.owning_team_id)],
    )


def _order(item: Drawn) -> tuple[str, int]:
    return (str(item.stratum), item.rank)


async def decide(
    session: AsyncSession, principal: Principal, claim_id: UUID, body: AuditDecisionCreate
) -> tuple[Claim, AuditDecision]:
    """An auditor's decision on a sampled claim, once, while its batch is open."""
    claim, sampled = await visible_claim(session, principal, claim_id, lock=True)
    if not sampled:
        raise NotFound("claim")
    await refuse_destroyed(session, destructions, claim.case_id)
    await open_batch_locked(session, claim.batch_id)
    if claim.status != "claimed":
        raise ProblemError(409, "already-decided", "The audit has decided this claim already.")
    now = await transaction_now(session)
    decision = AuditDecision(
        claim_id=claim.id,
        decision=body.decision,
        reasons=body.reasons,
        evidence_requested=body.evidence_requested,
        decided_by=principal.practitioner_id,
        decided_at=now,
    )
    session.add(decision)
    claim.status = body.decision
    await session.flush()
    returned = body.decision == "returned"
    await announce(
        session,
        PATHWAY_CLAIM_AUDIT_DECIDED,
        ClaimAuditDecided(
            claim_id=claim.id,
            case_id=claim.case_id,
            batch_id=claim.batch_id,
            decision=body.decision,
            decided_at=now,
        ),
        case_id=claim.case_id,
        team_id=claim.owning_team_id,
        subject=f"claims/{claim.id}",
        title="Supporting Families audit: the claim was "
        + ("returned and leaves its batch" if returned else "accepted"),
        summary=f"Reasons: {body.reasons}\nEvidence asked for: {body.evidence_requested}"
        if returned
        else None,
    )
    return claim, decision


async def submit(session: AsyncSession, principal: Principal, batch_id: UUID) -> ClaimBatch:
    """Submit the batch (frozen from now), once what the funding model requires is done."""
    batch = await open_batch_locked(session, batch_id)
    claims = [c for c in await repository.batch_claims(session, batch.id) if c.status in LIVE]
    if not claims:
        raise ProblemError(409, "batch-empty", "The batch has no claims to submit.")
    unassured = [str(c.id) for c in claims if c.assured_at is None]
    if unassured:
        raise ProblemError(
            409,
            "assurance-missing",
            f"{len(unassured)} claims await a manager's quality assurance.",
            claims=unassured,
        )
    rules = await claim_settings.current(session)
    if rules.funding_model == "payment_by_results":
        if batch.sample_seed is None:
            raise ProblemError(
                409,
                "sample-missing",
                "Under payment by results the audit sample is drawn before submission.",
            )
        undecided = [
            str(r.claim_id)
            for r in await repository.sample(session, batch.id)
            if r.status == "claimed"
        ]
        if undecided:
            raise ProblemError(
                409,
                "audit-undecided",
                f"Under payment by results every sampled claim is decided before submission "
                f"({len(undecided)} are not).",
                claims=undecided,
            )
    batch.status = "submitted"
    batch.funding_model = rules.funding_model
    batch.settings_version = rules.version
    batch.submitted_at = await transaction_now(session)
    batch.submitted_by = principal.practitioner_id
    await session.flush()
    return batch
