"""SQL for enrolments, their plans and the session tallies their views show."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from intervention_api.enrolments.models import Enrolment, ProgressChange
from intervention_api.models import projection
from intervention_api.programmes.models import ProgrammeVersion
from intervention_api.sessions.models import ProgrammeSession
from services.pagination import Keyset, PageRequest, aware_datetime, uuid_value
from services.principal import Principal


@dataclass
class Tally:
    """An enrolment's sessions: by attendance, attended by module, the last one held (sessions
    withdrawn as entered in error count nowhere)."""

    by_attendance: dict[str, int] = field(default_factory=dict)
    attended_by_module: dict[str, int] = field(default_factory=dict)
    last_held_on: date | None = None


async def load(
    session: AsyncSession, case_id: UUID, enrolment_id: UUID, *, lock: bool = False
) -> Enrolment | None:
    """An enrolment on the case, with its plan (locked for a change when asked)."""
    query = (
        select(Enrolment)
        .where(Enrolment.id == enrolment_id, Enrolment.case_id == case_id)
        .options(selectinload(Enrolment.modules))
    )
    if lock:
        query = query.with_for_update(of=Enrolment)
    return (await session.scalars(query)).one_or_none()


async def among(
    session: AsyncSession, case_ids: Sequence[UUID], ids: Sequence[UUID]
) -> list[Enrolment]:
    """The enrolments among `ids` on these cases, with their plans."""
    query = (
        select(Enrolment)
        .where(Enrolment.id.in_(ids), Enrolment.case_id.in_(case_ids))
        .options(selectinload(Enrolment.modules))
    )
    return list(await session.scalars(query))


async def list_for_case(session: AsyncSession, case_id: UUID) -> list[Enrolment]:
    """Every enrolment on a case, oldest first, with their plans."""
    query = (
        select(Enrolment)
        .where(Enrolment.case_id == case_id)
        .options(selectinload(Enrolment.modules))
        .order_by(Enrolment.enrolled_at, Enrolment.id)
    )
    return list(await session.scalars(query))


async def active_enrolment_exists(
    session: AsyncSession, case_id: UUID, programme_code: str, person_id: UUID | None
) -> bool:
    """Whether the participant is already on an active enrolment of the programme on the case."""
    query = (
        select(Enrolment.id)
        .join(ProgrammeVersion, ProgrammeVersion.id == Enrolment.programme_version_id)
        .where(
            Enrolment.case_id == case_id,
            Enrolment.status == "active",
            ProgrammeVersion.code == programme_code,
            Enrolment.person_id.is_(None)
            if person_id is None
            else Enrolment.person_id == person_id,
        )
        .limit(1)
    )
    return await session.scalar(query) is not None


async def tallies(session: AsyncSession, enrolment_ids: Sequence[UUID]) -> dict[UUID, Tally]:
    """The session tallies of each enrolment."""
    result: dict[UUID, Tally] = defaultdict(Tally)
    if not enrolment_ids:
        return result
    s = ProgrammeSession
    rows = await session.execute(
        select(s.enrolment_id, s.attendance, func.count(), func.max(s.held_on))
        .where(s.enrolment_id.in_(enrolment_ids), s.withdrawn_at.is_(None))
        .group_by(s.enrolment_id, s.attendance)
    )
    for enrolment_id, attendance, count, last in rows:
        tally = result[enrolment_id]
        tally.by_attendance[attendance] = count
        if attendance == "attended" and (tally.last_held_on is None or last > tally.last_held_on):
            tally.last_held_on = last
    module = func.unnest(s.module_codes).label("module_code")
    per_module = (
        select(s.enrolment_id, module)
        .where(
            s.enrolment_id.in_(enrolment_ids),
            s.attendance == "attended",
            s.withdrawn_at.is_(None),
        )
        .subquery()
    )
    counted = await session.execute(
        select(per_module.c.enrolment_id, per_module.c.module_code, func.count()).group_by(
            per_module.c.enrolment_id, per_module.c.module_code
        )
    )
    for enrolment_id, code, count in counted:
        result[enrolment_id].attended_by_module[code] = count
    return result


async def practitioner_names(session: AsyncSession, ids: set[UUID]) -> dict[UUID, str]:
    """Display names of practitioners, as the directory last announced them."""
    if not ids:
        return {}
    practitioners = projection.tables.practitioners
    rows = await session.execute(
        select(practitioners.c.id, practitioners.c.display_name).where(practitioners.c.id.in_(ids))
    )
    return {row.id: row.display_name for row in rows}


CASELOAD_KEY = Keyset(
    (Enrolment.enrolled_at, aware_datetime), (Enrolment.id, uuid_value), descending=False
)
HISTORY_KEY = Keyset(
    (ProgressChange.changed_at, aware_datetime),
    (ProgressChange.id, uuid_value),
    descending=False,
)


async def caseload(
    session: AsyncSession, principal: Principal, team_id: UUID | None, page: PageRequest
) -> tuple[list[tuple[Enrolment, UUID]], str | None]:
    """A page of active enrolments on open cases the caller may see (of one team, if asked),
    with each case's owning team, in enrolment order."""
    cases = projection.tables.cases
    query = (
        select(Enrolment, cases.c.owning_team_id)
        .join(cases, cases.c.id == Enrolment.case_id)
        .where(
            Enrolment.status == "active",
            cases.c.status == "open",
            projection.case_visible(principal, Enrolment.__table__.c.case_id),
        )
        .options(selectinload(Enrolment.modules))
    )
    if team_id is not None:
        query = query.where(cases.c.owning_team_id == team_id)
    rows = [(row[0], row[1]) for row in await session.execute(CASELOAD_KEY.apply(query, page))]
    return CASELOAD_KEY.page(rows, page, lambda row: (row[0].enrolled_at, row[0].id))


async def progress_history(
    session: AsyncSession, enrolment_id: UUID, page: PageRequest
) -> tuple[list[ProgressChange], str | None]:
    """A page of the enrolment's progress changes, oldest first."""
    query = select(ProgressChange).where(ProgressChange.enrolment_id == enrolment_id)
    rows = list(await session.scalars(HISTORY_KEY.apply(query, page)))
    return HISTORY_KEY.page(rows, page, lambda row: (row.changed_at, row.id))
