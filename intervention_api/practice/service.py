"""Coding sessions with MITI 4.2.1, and the practice quality reports over time."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Literal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.practice import repository
from intervention_api.practice.measures import summarise
from intervention_api.practice.models import MitiCoding
from intervention_api.practice.schemas import MitiCodingCreate, MitiCodingRead, PracticePeriod
from services.errors import ProblemError
from services.principal import Principal

GroupBy = Literal["worker", "team"]


def coding_read(coding: MitiCoding) -> MitiCodingRead:
    """A coding with its summary measures."""
    return MitiCodingRead.of(coding, summary=summarise([coding]))


async def code_session(
    session: AsyncSession,
    principal: Principal,
    session_id: UUID,
    session_worker_id: UUID,
    body: MitiCodingCreate,
    *,
    withdrawn: bool,
) -> MitiCoding:
    """Record the caller's coding of a session: the worker's own, or an observer's."""
    if withdrawn:
        raise ProblemError(409, "session-withdrawn", "The session was withdrawn as in error.")
    if await repository.exists(session, session_id, principal.practitioner_id):
        raise ProblemError(
            409, "already-coded", "You have coded this session already; codings are not edited."
        )
    coding = MitiCoding(
        session_id=session_id,
        coder_id=principal.practitioner_id,
        coder_role="worker" if principal.practitioner_id == session_worker_id else "observer",
        **body.model_dump(),
    )
    session.add(coding)
    await session.flush()
    await session.refresh(coding, ["coded_at"])
    return coding


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_back(today: date, months: int) -> date:
    """The first day of the month `months - 1` months before `today`'s."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


async def report(
    session: AsyncSession,
    principal: Principal,
    *,
    group_by: GroupBy,
    worker_id: UUID | None,
    team_id: UUID | None,
    since: date,
    until: date,
) -> list[PracticePeriod]:
    """MITI measures by month and by worker (or team), for what the caller may see."""
    rows = await repository.codings_in_sight(
        session, principal, worker_id=worker_id, team_id=team_id, since=since, until=until
    )
    groups: dict[tuple[str, UUID], list[MitiCoding]] = defaultdict(list)
    for coding, worker, team, held_on in rows:
        groups[(_month(held_on), worker if group_by == "worker" else team)].append(coding)
    named = await repository.names(session, {who for _, who in groups}, teams=group_by == "team")
    return [
        PracticePeriod(
            period=period,
            worker_id=who if group_by == "worker" else None,
            team_id=who if group_by == "team" else None,
            name=named.get(who),
            summary=summarise(codings),
        )
        for (period, who), codings in sorted(groups.items(), key=lambda g: (g[0][0], str(g[0][1])))
    ]
