"""HTTP endpoint for MI practice quality over time, per worker and per team."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query

from intervention_api.access import Worker
from intervention_api.practice import service
from intervention_api.practice.schemas import PracticePeriod
from services.auditing import Audit, audited
from services.clock import transaction_now
from services.routing import kit_router
from services.unit_of_work import DbSession
from services.working_days import local_date

router = kit_router(tags=["practice quality"])


@router.get("/practice/miti", summary="MI practice quality over time")
@audited("list", "miti_coding", resource="")
async def get_practice_quality(
    principal: Worker,
    session: DbSession,
    note: Audit,
    group_by: Annotated[
        service.GroupBy, Query(description="One line per worker, or per team, each month")
    ] = "worker",
    worker_id: Annotated[UUID | None, Query(description="Only this worker's sessions")] = None,
    team_id: Annotated[UUID | None, Query(description="Only sessions on this team's cases")] = None,
    months: Annotated[int, Query(ge=1, le=36, description="This month and those before")] = 12,
) -> list[PracticePeriod]:
    """MITI 4.2.1 summary measures of coded sessions, month by month, against the published
    fair and good thresholds: your own sessions, and as a manager your teams' workers'."""
    today = local_date(await transaction_now(session))
    since = service.months_back(today, months)
    periods = await service.report(
        session,
        principal,
        group_by=group_by,
        worker_id=worker_id,
        team_id=team_id,
        since=since,
        until=today,
    )
    note.details.update(group_by=group_by, months=months, periods=len(periods))
    return periods
