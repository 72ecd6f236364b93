"""SQL for MITI codings: of sessions, and by month for workers and teams the caller may see."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from sqlalchemy import Row, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.models import projection
from intervention_api.practice.models import MitiCoding
from intervention_api.sessions.models import ProgrammeSession
from services.principal import Principal

# A report over three years of a large team's coded sessions stays well below this.
MAX_CODINGS = 50_000


async def for_sessions(
    session: AsyncSession, session_ids: Sequence[UUID]
) -> dict[UUID, list[MitiCoding]]:
    """The codings of each session, in the order they were made."""
    found: dict[UUID, list[MitiCoding]] = {sid: [] for sid in session_ids}
    if not session_ids:
        return found
    rows = await session.scalars(
        select(MitiCoding)
        .where(MitiCoding.session_id.in_(session_ids))
        .order_by(MitiCoding.coded_at, MitiCoding.id)
    )
    for coding in rows:
        found[coding.session_id].append(coding)
    return found


async def exists(session: AsyncSession, session_id: UUID, coder_id: UUID) -> bool:
    """Whether this coder has already coded the session."""
    query = select(MitiCoding.id).where(
        MitiCoding.session_id == session_id, MitiCoding.coder_id == coder_id
    )
    return await session.scalar(query) is not None


async def names(session: AsyncSession, ids: set[UUID], *, teams: bool) -> dict[UUID, str]:
    """Display names of practitioners (or names of teams), as the directory announced them."""
    if not ids:
        return {}
    table = projection.tables.teams if teams else projection.tables.practitioners
    column = table.c.name if teams else table.c.display_name
    rows = await session.execute(select(table.c.id, column).where(table.c.id.in_(ids)))
    return {row[0]: row[1] for row in rows}


async def codings_in_sight(
    session: AsyncSession,
    principal: Principal,
    *,
    worker_id: UUID | None,
    team_id: UUID | None,
    since: date,
    until: date,
) -> Sequence[Row[MitiCoding, UUID, UUID, date]]:
    """Codings of sessions held in [since, until] that the caller may see in a practice report,
    with the session's worker, the case's owning team and the day it was held.

    A practitioner sees the codings of their own sessions; a manager, those of sessions on
    their teams' cases (practice quality is supervision's business, not a colleague's)."""
    cases = projection.tables.cases
    s = ProgrammeSession
    mine = s.worker_id == principal.practitioner_id
    managed = (
        cases.c.owning_team_id.in_(principal.managed_team_ids)
        if principal.managed_team_ids
        else None
    )
    query = (
        select(MitiCoding, s.worker_id, cases.c.owning_team_id, s.held_on)
        .join(s, s.id == MitiCoding.session_id)
        .join(cases, cases.c.id == s.case_id)
        .where(
            s.held_on >= since,
            s.held_on <= until,
            s.withdrawn_at.is_(None),
            or_(mine, managed) if managed is not None else mine,
        )
        .order_by(s.held_on, MitiCoding.id)
    )
    if worker_id is not None:
        query = query.where(s.worker_id == worker_id)
    if team_id is not None:
        query = query.where(cases.c.owning_team_id == team_id)
    return (await session.execute(query.limit(MAX_CODINGS))).all()
