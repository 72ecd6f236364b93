"""Claiming for a ready family, the batch of its claim period, a manager's quality assurance.

A claim is made only for a family the readiness rule finds ready today (the evidence it was
made on is kept with it: the criteria and each target's recorded outcome). It joins the batch
of the claim period in which the family's result was achieved (the day its sustain period
ended), created open on the first claim; once that batch is submitted it is frozen, and a
later claim for a result of that period joins the next open period's batch. Each claim is quality
assured by a manager of its team before its batch can be submitted.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.claims.access import ClaimCase
from pathway_api.claims.events import announce
from pathway_api.claims.ledger import repository
from pathway_api.claims.ledger.models import AuditDecision, Claim, ClaimBatch
from pathway_api.claims.ledger.schemas import (
    AssuranceCreate,
    AuditDecisionRead,
    BatchRead,
    ClaimEvidence,
    ClaimRead,
    EvidenceCriterion,
    EvidenceTarget,
)
from pathway_api.claims.readiness import service as readiness
from pathway_api.claims.readiness.rule import Readiness, add_months, evaluate
from pathway_api.claims.settings import service as claim_settings
from pathway_api.lifecycle import repository as lifecycle
from pathway_api.models import destructions
from pathway_api.plans import repository as plans
from services.clock import transaction_now
from services.errors import Forbidden, NotFound, ProblemError
from services.event_contracts import PATHWAY_CLAIM_CLAIMED, ClaimMade
from services.principal import Principal
from services.retention.certificates import refuse_destroyed

# How many periods ahead a claim may look for an open batch (a year of monthly periods).
PERIODS_AHEAD = 12


def period_of(day: date, months: int) -> tuple[date, date]:
    """The claim period holding `day`: periods of `months` months from January; inclusive."""
    start = date(day.year, (day.month - 1) // months * months + 1, 1)
    return start, add_months(start, months) - timedelta(days=1)


def batch_closed() -> ProblemError:
    return ProblemError(409, "batch-submitted", "The batch was submitted: its claims are frozen.")


def evidence_of(verdict: Readiness, targets: list[EvidenceTarget]) -> ClaimEvidence:
    """The evidence a claim is made on (kept with it, as JSON)."""
    return ClaimEvidence(
        evaluated_on=verdict.evaluated_on,
        sustained_until=verdict.sustained_until,
        criteria=[
            EvidenceCriterion(code=c.code, met=c.met, missing=list(c.missing))
            for c in verdict.criteria
        ],
        targets=targets,
    )


async def target_outcomes(session: AsyncSession, case_id: UUID) -> list[EvidenceTarget]:
    """Each target with the progress and note its latest review recorded."""
    latest: dict[str, tuple[str, str | None, date]] = {}
    for review in await plans.reviews(session, case_id):
        for item in review.progress:
            latest[str(item["target_id"])] = (
                str(item["progress"]),
                item.get("note"),
                review.held_on,
            )
    outcomes = []
    for target in await plans.targets(session, case_id):
        progress, note, held_on = latest.get(str(target.id), (None, None, None))
        outcomes.append(
            EvidenceTarget(
                target_id=target.id,
                area=target.area,
                outcome=target.outcome,
                measure=target.measure,
                progress=progress,
                note=note,
                reviewed_on=held_on,
            )
        )
    return outcomes


async def open_batch(session: AsyncSession, day: date, months: int) -> ClaimBatch:
    """The batch of the period holding `day`, or of the first later period not yet submitted."""
    now = await transaction_now(session)
    for _ in range(PERIODS_AHEAD):
        start, end = period_of(day, months)
        batch = await repository.ensure_batch(session, start, end, now)
        if batch.status == "open":
            return batch
        day = end + timedelta(days=1)
    raise ProblemError(409, "no-open-batch", "Every batch of the coming year is submitted.")


async def claim(session: AsyncSession, case: ClaimCase) -> Claim:
    """Claim for a family the rule finds ready today; 409 naming what is missing if not."""
    # One claim at a time per involvement: its row is the lock.
    if await lifecycle.involvement(session, case.id, lock=True) is None:
        raise not_ready([{"code": "sustained_progress", "missing": ["Early help never began."]}])
    snapshot = await readiness.snapshot_of(session, case.id)
    if snapshot is None:
        raise NotFound("case")
    judge = await readiness.Judge.in_force(session)
    verdict = evaluate(snapshot, judge.settings)
    if not verdict.ready:
        raise not_ready(
            [{"code": c.code, "missing": list(c.missing)} for c in verdict.criteria if not c.met]
        )
    if await repository.live_claims_for(session, [case.id]):
        raise ProblemError(409, "already-claimed", "The family has a claim in force already.")
    await readiness.announce_if_ready(session, verdict, snapshot)
    rules = await claim_settings.current(session)
    assert verdict.sustained_until is not None  # a ready family's period has ended
    batch = await open_batch(session, verdict.sustained_until, rules.claim_period_months)
    row = Claim(
        case_id=case.id,
        family_id=case.family_id,
        owning_team_id=case.owning_team_id,
        batch_id=batch.id,
        status="claimed",
        evidence=evidence_of(verdict, await target_outcomes(session, case.id)).model_dump(
            mode="json"
        ),
        settings_version=rules.version,
        claimed_by=case.principal.practitioner_id,
        claimed_at=case.now,
    )
    session.add(row)
    await session.flush()
    await announce(
        session,
        PATHWAY_CLAIM_CLAIMED,
        ClaimMade(
            claim_id=row.id,
            case_id=case.id,
            family_id=case.family_id,
            owning_team_id=case.owning_team_id,
            batch_id=batch.id,
            claimed_at=case.now,
        ),
        case_id=case.id,
        team_id=case.owning_team_id,
        subject=f"claims/{row.id}",
        title="Supporting Families: claimed for the family's sustained progress",
        summary=f"In the batch of {batch.period_start.isoformat()} to "
        f"{batch.period_end.isoformat()}.",
    )
    return row


def not_ready(missing: list[dict[str, Any]]) -> ProblemError:
    return ProblemError(
        409,
        "not-claim-ready",
        "The family is not ready to claim for: "
        + "; ".join(m for item in missing for m in item["missing"]),
        missing=missing,
    )


async def visible_claim(
    session: AsyncSession, principal: Principal, claim_id: UUID, *, lock: bool = False
) -> tuple[Claim, bool]:
    found = await repository.claim(session, principal, claim_id, lock=lock)
    if found is None:
        raise NotFound("claim")
    return found


async def claim_read(session: AsyncSession, row: Claim, sampled: bool) -> ClaimRead:
    decision = (await repository.decisions(session, [row.id])).get(row.id)
    return read_of(row, sampled, decision)


def read_of(row: Claim, sampled: bool, decision: AuditDecision | None) -> ClaimRead:
    audit = AuditDecisionRead.of(decision) if decision is not None else None
    return ClaimRead.of(row, sampled=sampled, audit=audit)


async def listed(
    session: AsyncSession,
    principal: Principal,
    *,
    batch_id: UUID | None,
    status: str | None,
    limit: int,
) -> list[ClaimRead]:
    rows = await repository.claims(
        session, principal, batch_id=batch_id, status=status, limit=limit
    )
    decisions = await repository.decisions(session, [row[0].id for row in rows])
    return [read_of(row[0], bool(row[1]), decisions.get(row[0].id)) for row in rows]


async def assure(
    session: AsyncSession, principal: Principal, claim_id: UUID, body: AssuranceCreate
) -> tuple[Claim, bool]:
    """A manager of the claim's team quality assures it (once, while its batch is open); the
    claim, and whether it was drawn for audit."""
    row, sampled = await visible_claim(session, principal, claim_id, lock=True)
    if row.owning_team_id not in principal.managed_team_ids:
        raise Forbidden("Only a manager of the family's team quality assures its claim.")
    await refuse_destroyed(session, destructions, row.case_id)
    batch = await repository.batch(session, row.batch_id, lock=True)
    assert batch is not None
    if batch.status != "open":
        raise batch_closed()
    if row.status == "returned":
        raise ProblemError(409, "claim-returned", "The claim was returned by the audit.")
    if row.assured_at is not None:
        raise ProblemError(409, "already-assured", "The claim is already quality assured.")
    row.assured_by = principal.practitioner_id
    row.assured_at = await transaction_now(session)
    row.assurance_note = body.note
    await session.flush()
    return row, sampled


async def batch_reads(session: AsyncSession, rows: list[ClaimBatch]) -> list[BatchRead]:
    counts = await repository.batch_counts(session, [row.id for row in rows])
    reads = []
    for row in rows:
        found = counts.get(row.id)
        numbers = {
            name: getattr(found, name, 0) if found is not None else 0
            for name in ("claims", "assured", "returned", "sampled")
        }
        reads.append(BatchRead.of(row, **numbers))
    return reads


async def batch_read(session: AsyncSession, batch_id: UUID) -> BatchRead:
    row = await repository.batch(session, batch_id)
    if row is None:
        raise NotFound("batch")
    return (await batch_reads(session, [row]))[0]
