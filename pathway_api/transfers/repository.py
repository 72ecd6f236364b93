"""Transfers a caller may see: on a case they see, or to a team they manage."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.models import projection
from pathway_api.transfers.models import Transfer
from services.principal import Principal


async def visible(
    session: AsyncSession, principal: Principal, transfer_id: UUID, *, lock: bool = False
) -> Transfer | None:
    """The transfer, if the caller sees its sending case or manages its receiving team."""
    query = select(Transfer).where(
        Transfer.id == transfer_id,
        or_(
            projection.case_visible(principal, Transfer.__table__.c.case_id),
            Transfer.receiving_team_id.in_(principal.managed_team_ids),
        ),
    )
    if lock:
        query = query.with_for_update()
    found: Transfer | None = await session.scalar(query)
    return found


async def of_case(session: AsyncSession, case_id: UUID) -> Sequence[Transfer]:
    """A case's transfers, oldest first."""
    rows = await session.scalars(
        select(Transfer).where(Transfer.case_id == case_id).order_by(Transfer.requested_at)
    )
    return rows.all()


async def requested(session: AsyncSession, case_id: UUID) -> Transfer | None:
    """The case's transfer under way, if any."""
    found: Transfer | None = await session.scalar(
        select(Transfer).where(Transfer.case_id == case_id, Transfer.status == "requested")
    )
    return found
