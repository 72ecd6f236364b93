"""Claims, batches and samples in SQL, with who may see which claim inside each query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.claims.ledger.models import AuditDecision, Claim, ClaimBatch, SampledClaim
from services.auth import AUDITOR_ROLE, SUPPORTING_FAMILIES_ROLE
from services.principal import Principal

MANAGER_ROLE = "team_manager"
LIVE = ("claimed", "accepted")


def claim_visible(principal: Principal) -> ColumnElement[bool]:
    """A predicate on Claim: the Supporting Families team sees every claim, managers their
    teams', auditors only the claims drawn for audit."""
    branches: list[ColumnElement[bool]] = []
    if principal.has_role(SUPPORTING_FAMILIES_ROLE):
        return true()
    if principal.has_role(MANAGER_ROLE) and principal.managed_team_ids:
        branches.append(Claim.owning_team_id.in_(principal.managed_team_ids))
    if principal.has_role(AUDITOR_ROLE):
        branches.append(Claim.id.in_(select(SampledClaim.claim_id)))
    return or_(*branches) if branches else false()


def _claims(principal: Principal) -> Select[Claim, bool]:
    sampled = (
        select(SampledClaim.claim_id).where(SampledClaim.claim_id == Claim.id).exists()
    ).label("sampled")
    return select(Claim, sampled).where(claim_visible(principal))


async def claim(
    session: AsyncSession, principal: Principal, claim_id: UUID, *, lock: bool = False
) -> tuple[Claim, bool] | None:
    """A claim the caller may see, and whether it was drawn for audit."""
    query = _claims(principal).where(Claim.id == claim_id)
    if lock:
        query = query.with_for_update(of=Claim)
    row = (await session.execute(query)).one_or_none()
    return None if row is None else (row[0], bool(row[1]))


async def claims(
    session: AsyncSession,
    principal: Principal,
    *,
    batch_id: UUID | None,
    status: str | None,
    limit: int,
) -> Sequence[Any]:
    """Claims the caller may see, newest first."""
    query = _claims(principal)
    if batch_id is not None:
        query = query.where(Claim.batch_id == batch_id)
    if status is not None:
        query = query.where(Claim.status == status)
    rows = await session.execute(query.order_by(Claim.claimed_at.desc(), Claim.id).limit(limit))
    return rows.all()


async def decisions(session: AsyncSession, claim_ids: Sequence[UUID]) -> dict[UUID, AuditDecision]:
    if not claim_ids:
        return {}
    rows = await session.scalars(
        select(AuditDecision).where(AuditDecision.claim_id.in_(list(claim_ids)))
    )
    return {row.claim_id: row for row in rows}


async def live_claims_for(session: AsyncSession, case_ids: Sequence[UUID]) -> dict[UUID, UUID]:
    """The claim in force (not returned) of each case that has one."""
    if not case_ids:
        return {}
    rows = await session.execute(
        select(Claim.case_id, Claim.id).where(
            Claim.case_id.in_(list(case_ids)), Claim.status.in_(LIVE)
        )
    )
    return {row.case_id: row.id for row in rows}


async def batch_from(session: AsyncSession, period_start: date) -> ClaimBatch | None:
    """The batch of the period starting then, if any (locked)."""
    found: ClaimBatch | None = await session.scalar(
        select(ClaimBatch).where(ClaimBatch.period_start == period_start).with_for_update()
    )
    return found


async def ensure_batch(
    session: AsyncSession, period_start: date, period_end: date, now: datetime
) -> ClaimBatch:
    """The period's batch, created open the first time a claim falls in it (locked)."""
    await session.execute(
        insert(ClaimBatch)
        .values(
            period_start=period_start,
            period_end=period_end,
            status="open",
            created_at=now,
            version=1,
        )
        .on_conflict_do_nothing(index_elements=["period_start"])
    )
    found = await batch_from(session, period_start)
    assert found is not None
    return found


async def batch(session: AsyncSession, batch_id: UUID, *, lock: bool = False) -> ClaimBatch | None:
    query = select(ClaimBatch).where(ClaimBatch.id == batch_id)
    if lock:
        query = query.with_for_update()
    found: ClaimBatch | None = await session.scalar(query)
    return found


async def batches(session: AsyncSession, limit: int) -> Sequence[ClaimBatch]:
    rows = await session.scalars(
        select(ClaimBatch).order_by(ClaimBatch.period_start.desc()).limit(limit)
    )
    return rows.all()


async def batch_counts(session: AsyncSession, batch_ids: Sequence[UUID]) -> dict[UUID, Any]:
    """Per batch: claims in it, assured, returned, sampled."""
    if not batch_ids:
        return {}
    sampled = select(SampledClaim.claim_id).where(SampledClaim.claim_id == Claim.id).exists()
    live = Claim.status.in_(LIVE)
    rows = await session.execute(
        select(
            Claim.batch_id,
            func.count().filter(live).label("claims"),
            func.count().filter(live, Claim.assured_at.is_not(None)).label("assured"),
            func.count().filter(Claim.status == "returned").label("returned"),
            func.count().filter(sampled).label("sampled"),
        )
        .where(Claim.batch_id.in_(list(batch_ids)))
        .group_by(Claim.batch_id)
    )
    return {row.batch_id: row for row in rows}


async def batch_claims(session: AsyncSession, batch_id: UUID) -> Sequence[Claim]:
    """Every claim of the batch, returned ones included (locked for a change of the batch)."""
    rows = await session.scalars(
        select(Claim).where(Claim.batch_id == batch_id).order_by(Claim.id).with_for_update()
    )
    return rows.all()


async def sample(session: AsyncSession, batch_id: UUID) -> Sequence[Any]:
    """The batch's sampled claims with their case and status, by stratum and rank."""
    rows = await session.execute(
        select(
            SampledClaim.claim_id,
            SampledClaim.stratum,
            SampledClaim.rank,
            SampledClaim.sort_key,
            Claim.case_id,
            Claim.status,
            Claim.owning_team_id,
        )
        .join(Claim, Claim.id == SampledClaim.claim_id)
        .where(SampledClaim.batch_id == batch_id)
        .order_by(SampledClaim.stratum, SampledClaim.rank)
    )
    return rows.all()


async def claim_teams(session: AsyncSession, claim_ids: Sequence[UUID]) -> dict[UUID, UUID]:
    """Each claim's team (its stratum in a draw)."""
    if not claim_ids:
        return {}
    rows = await session.execute(
        select(Claim.id, Claim.owning_team_id).where(Claim.id.in_(list(claim_ids)))
    )
    return {row.id: row.owning_team_id for row in rows}
