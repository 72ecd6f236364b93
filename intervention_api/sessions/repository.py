"""SQL for programme sessions, with the restricted-detail rule inside the query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, and_, false, literal, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.sessions.models import ProgrammeSession
from services.pagination import Keyset, PageRequest, uuid_value
from services.projection import ProjectedCase

S = ProgrammeSession
KEYSET = Keyset((S.held_on, date.fromisoformat), (S.id, uuid_value))


def detail_admitted(case: ProjectedCase) -> ColumnElement[bool]:
    """The workbook's rule for restricted detail, on this case for this caller: the author,
    workers of the author's discipline allocated now, the allocated social worker and the
    owning team's managers (never auditors, the system of record, nor break-glass).

    As in the workbook, an allocation gives detail only when its discipline is the caller's
    in the directory: the allocation's is typed by a manager, the directory's is authoritative,
    so a mis-recorded allocation never widens access.
    """
    principal = case.principal
    if case.manages:
        return literal(True)
    borne_out = case.allocation_discipline == principal.discipline
    if borne_out and case.allocated_social_worker:
        return literal(True)
    same_discipline: ColumnElement[bool] = (
        S.recorded_by_discipline == principal.discipline if borne_out else false()
    )
    return or_(S.recorded_by == principal.practitioner_id, same_discipline)


def _columns(case: ProjectedCase) -> list[Any]:
    admitted = detail_admitted(case)
    return [
        S,
        sql_case((admitted, S.restricted_detail), else_=None).label("visible_detail"),
        and_(S.restricted_detail.is_not(None), ~admitted).label("detail_withheld"),
    ]


async def load(
    session: AsyncSession,
    case: ProjectedCase,
    enrolment_id: UUID,
    session_id: UUID,
    *,
    lock: bool = False,
) -> Row[Any] | None:
    """A session of the enrolment, with its detail as the caller may see it (locked, and read
    afresh, for a change)."""
    query = select(*_columns(case)).where(
        S.id == session_id, S.enrolment_id == enrolment_id, S.case_id == case.id
    )
    if lock:
        query = query.with_for_update(of=S).execution_options(populate_existing=True)
    return (await session.execute(query)).one_or_none()


async def page(
    session: AsyncSession, case: ProjectedCase, enrolment_id: UUID, request: PageRequest
) -> tuple[Sequence[Row[Any]], str | None]:
    """The enrolment's sessions, latest held first."""
    query = select(*_columns(case)).where(S.enrolment_id == enrolment_id, S.case_id == case.id)
    rows = (await session.execute(KEYSET.apply(query, request))).all()
    return KEYSET.page(rows, request, key=lambda row: (row[0].held_on.isoformat(), row[0].id))


async def among(
    session: AsyncSession, case: ProjectedCase, session_ids: Sequence[UUID]
) -> Sequence[Row[Any]]:
    """The case's sessions among these ids, with their detail as the caller may see it."""
    query = select(*_columns(case)).where(S.id.in_(session_ids), S.case_id == case.id)
    return (await session.execute(query.order_by(S.held_on, S.id))).all()
