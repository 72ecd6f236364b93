"""SQL for cadence: settings, and open cases with what their due dates are computed from.

Cases and allocations come from the projection (never the workbook's tables); every list is
narrowed by the projection's access rule inside the query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.event_contracts import FAMILY_SAFEGUARDING
from services.principal import Principal
from services.projection.access import allocation_current
from supervision_api.cadence.models import CaseCadence, TeamCadence
from supervision_api.models import projection

cases = projection.tables.cases
allocations = projection.tables.allocations


OpenCase = Row[tuple[UUID, UUID, UUID, datetime, datetime | None, int | None, int | None]]
"""An open case: id, family_id, owning_team_id, opened_at, last_gcs_at and its own members."""


async def team_cadence(session: AsyncSession, team_id: UUID) -> TeamCadence | None:
    """The team's stored setting, if its managers set one."""
    return await session.get(TeamCadence, team_id)


async def team_cadence_for_update(session: AsyncSession, team_id: UUID) -> TeamCadence | None:
    """The team's stored setting, locked for the change."""
    return await session.get(TeamCadence, team_id, with_for_update=True)


async def case_cadence(
    session: AsyncSession, case_id: UUID, *, lock: bool = False
) -> CaseCadence | None:
    """The case's own setting and last GCS, if any."""
    return await session.get(CaseCadence, case_id, with_for_update=lock or None)


async def open_cases(
    session: AsyncSession,
    principal: Principal,
    *,
    team_id: UUID | None = None,
    practitioner_id: UUID | None = None,
    at: datetime | None = None,
) -> Sequence[OpenCase]:
    """Open Family Safeguarding cases the caller may see (of a team; allocated now to a
    practitioner), with the case's own cadence members and last GCS.

    Group Case Supervision is the Family Safeguarding model's: an early help involvement is
    reviewed in the pathway's plan reviews, so it is never due a GCS nor scheduled for one."""
    query = (
        select(
            cases.c.id,
            cases.c.family_id,
            cases.c.owning_team_id,
            cases.c.opened_at,
            CaseCadence.last_gcs_at,
            CaseCadence.interval_days,
            CaseCadence.first_due_working_days,
        )
        .outerjoin(CaseCadence, CaseCadence.case_id == cases.c.id)
        .where(
            cases.c.status == "open",
            cases.c.kind == FAMILY_SAFEGUARDING,
            projection.case_visible(principal, cases.c.id),
        )
        .order_by(cases.c.opened_at, cases.c.id)
    )
    if team_id is not None:
        query = query.where(cases.c.owning_team_id == team_id)
    if practitioner_id is not None:
        query = query.where(
            cases.c.id.in_(
                select(allocations.c.case_id).where(
                    allocations.c.practitioner_id == practitioner_id,
                    allocation_current(allocations, at=at),
                )
            )
        )
    return (await session.execute(query)).all()


async def team_cadences(session: AsyncSession, team_ids: set[UUID]) -> dict[UUID, TeamCadence]:
    """The stored settings of these teams, by team."""
    if not team_ids:
        return {}
    rows = await session.scalars(select(TeamCadence).where(TeamCadence.team_id.in_(team_ids)))
    return {row.team_id: row for row in rows}
