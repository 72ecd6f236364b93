"""HTTP endpoints for claims, batches, the audit sample and audit decisions."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Path, Query, Response

from pathway_api.claims.access import (
    Auditor,
    ClaimableCase,
    ClaimsOrAudit,
    ClaimsTeam,
    Manager,
    SupportingFamiliesTeam,
)
from pathway_api.claims.ledger import audit, repository, service
from pathway_api.claims.ledger.schemas import (
    AssuranceCreate,
    AuditDecisionCreate,
    BatchRead,
    ClaimRead,
    ClaimStatus,
    SampleDraw,
    SampleRead,
)
from services.auditing import Audit, audited
from services.errors import raises
from services.responses import created
from services.routing import kit_router
from services.unit_of_work import DbSession

router = kit_router(tags=["supporting families claims"])
ClaimId = Annotated[UUID, Path(description="The claim")]
BatchId = Annotated[UUID, Path(description="The claim period's batch")]


@router.post("/cases/{case_id}/claims", status_code=201, summary="Claim for a ready family")
@audited("create", "claim", resource="case_id")
@raises(409)
async def make_claim(
    case: ClaimableCase,
    principal: SupportingFamiliesTeam,
    response: Response,
    session: DbSession,
    note: Audit,
) -> ClaimRead:
    """Claim for the family if the readiness rule finds it ready today (409 names what is
    missing); the claim joins its claim period's open batch."""
    row = await service.claim(session, case)
    note.resource_id, note.case_id = str(row.id), case.id
    created(response, f"/claims/{row.id}", row.id, None)
    return await service.claim_read(session, row, False)


@router.get("/claims", summary="List claims")
@audited("list", "claim", resource="")
async def list_claims(
    session: DbSession,
    principal: ClaimsOrAudit,
    note: Audit,
    batch_id: Annotated[UUID | None, Query(description="Claims of this batch")] = None,
    status: Annotated[ClaimStatus | None, Query(description="Claims in this state")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ClaimRead]:
    """Claims the caller may see, newest first: the Supporting Families team's every claim,
    a manager's their teams', an auditor's those drawn for audit."""
    rows = await service.listed(session, principal, batch_id=batch_id, status=status, limit=limit)
    note.details["count"] = len(rows)
    return rows


@router.post(
    "/claims/{claim_id}/quality-assurance", summary="Quality assure a claim (its team's manager)"
)
@audited("update", "claim", resource="claim_id")
@raises(404, 409)
async def assure_claim(
    claim_id: ClaimId,
    body: AssuranceCreate,
    session: DbSession,
    principal: Manager,
    note: Audit,
) -> ClaimRead:
    """A manager of the family's team checks the claim before its batch is submitted."""
    row, sampled = await service.assure(session, principal, claim_id, body)
    note.case_id = row.case_id
    return await service.claim_read(session, row, sampled)


@router.post("/claims/{claim_id}/audit-decision", summary="Decide a sampled claim (auditors)")
@audited("update", "claim", resource="claim_id")
@raises(404, 409)
async def decide_claim(
    claim_id: ClaimId,
    body: AuditDecisionCreate,
    session: DbSession,
    principal: Auditor,
    note: Audit,
) -> ClaimRead:
    """Accept the claim, or return it with the reasons and the evidence asked for (it leaves
    its batch)."""
    row, decision = await audit.decide(session, principal, claim_id, body)
    note.case_id = row.case_id
    return service.read_of(row, True, decision)


@router.get("/claims/batches", summary="List claim batches")
@audited("list", "claim_batch", resource="")
async def list_claim_batches(
    session: DbSession,
    principal: ClaimsTeam,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[BatchRead]:
    """Batches by claim period, newest first, with their claims counted."""
    return await service.batch_reads(session, list(await repository.batches(session, limit)))


@router.get("/claims/batches/{batch_id}", summary="Read a claim batch")
@audited("read", "claim_batch", resource="batch_id")
@raises(404)
async def read_claim_batch(
    batch_id: BatchId, session: DbSession, principal: ClaimsTeam
) -> BatchRead:
    """The batch: its period, counts, sample, and submission."""
    return await service.batch_read(session, batch_id)


@router.post("/claims/batches/{batch_id}/sample", status_code=201, summary="Draw the audit sample")
@audited("create", "claim_sample", resource="batch_id")
@raises(404, 409)
async def draw_claim_sample(
    batch_id: BatchId,
    body: SampleDraw,
    session: DbSession,
    principal: SupportingFamiliesTeam,
    response: Response,
) -> SampleRead:
    """Draw the batch's audit sample, stratified by team, with a recorded seed."""
    await audit.draw_sample(session, principal, batch_id, body)
    response.headers["Location"] = f"/claims/batches/{batch_id}/sample"
    return await audit.sample_read(session, principal, batch_id)


@router.get("/claims/batches/{batch_id}/sample", summary="Read and re-draw the audit sample")
@audited("read", "claim_sample", resource="batch_id")
@raises(404)
async def read_claim_sample(
    batch_id: BatchId, session: DbSession, principal: ClaimsOrAudit
) -> SampleRead:
    """The recorded draw (seed, percentage, claims) and whether re-drawing it gives the same."""
    return await audit.sample_read(session, principal, batch_id)


@router.post("/claims/batches/{batch_id}/submit", summary="Submit a claim batch")
@audited("update", "claim_batch", resource="batch_id")
@raises(404, 409)
async def submit_claim_batch(
    batch_id: BatchId, session: DbSession, principal: SupportingFamiliesTeam
) -> BatchRead:
    """Submit the batch: frozen from now (payment by results needs the sample decided)."""
    await audit.submit(session, principal, batch_id)
    return await service.batch_read(session, batch_id)


# Last: the static /claims/... paths above must match before the claim id does.
@router.get("/claims/{claim_id}", summary="Read a claim and its evidence")
@audited("read", "claim", resource="claim_id")
@raises(404)
async def read_claim(
    claim_id: ClaimId, session: DbSession, principal: ClaimsOrAudit, note: Audit
) -> ClaimRead:
    """The claim, the evidence it was made on, its assurance and the audit's decision."""
    row, sampled = await service.visible_claim(session, principal, claim_id)
    note.case_id = row.case_id
    return await service.claim_read(session, row, sampled)
