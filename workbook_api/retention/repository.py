"""Retention queries on the workbook's cases, holds and reviews."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import LateralFromClause

from services.pagination import Keyset, PageRequest, aware_datetime, uuid_value
from services.working_days import LONDON
from workbook_api.cases.models import Case
from workbook_api.families.models import Person
from workbook_api.retention.models import retention

holds, reviews, certificates = retention.holds, retention.reviews, retention.certificates
DUE_KEY = Keyset((Case.closed_at, aware_datetime), (Case.id, uuid_value), descending=False)


def closed_on() -> Any:
    """The day (in England) a case closed."""
    return func.date(func.timezone(str(LONDON), Case.closed_at))


def active_hold_exists(case_id: Any) -> Any:
    """Whether a hold stands on the case."""
    return exists().where(holds.c.case_id == case_id, holds.c.lifted_at.is_(None))


def youngest_child_born_on(case_family_id: Any) -> Any:
    """The latest date of birth among the family's children (for rules counted from birth)."""
    return (
        select(func.max(Person.date_of_birth))
        .where(Person.family_id == case_family_id, Person.role == "child")
        .scalar_subquery()
    )


def last_review() -> LateralFromClause:
    """Each case's latest review, for a lateral join."""
    return (
        select(reviews.c.decision, reviews.c.reviewed_at)
        .where(reviews.c.case_id == Case.id)
        .order_by(reviews.c.reviewed_at.desc(), reviews.c.id.desc())
        .limit(1)
        .lateral("last_review")
    )


async def due_page(
    session: AsyncSession, closed_by: Mapping[str, date], page: PageRequest
) -> tuple[list[Row[Any]], str | None]:
    """Closed, undestroyed cases that closed on or before `closed_by` for their kind (a kind
    not named is never due), oldest first."""
    latest = last_review()
    query = (
        select(
            Case.id,
            Case.family_id,
            Case.owning_team_id,
            Case.kind,
            Case.closed_at,
            closed_on().label("closed_on"),
            active_hold_exists(Case.id).label("on_hold"),
            latest.c.decision,
            latest.c.reviewed_at,
        )
        .outerjoin(latest, true())
        .where(
            Case.status == "closed",
            or_(*(and_(Case.kind == kind, closed_on() <= day) for kind, day in closed_by.items())),
            ~exists().where(certificates.c.case_id == Case.id),
        )
    )
    rows = (await session.execute(DUE_KEY.apply(query, page))).all()
    return DUE_KEY.page(rows, page, lambda row: (row.closed_at, row.id))


async def case_facts(
    session: AsyncSession, case_id: UUID, *, lock: bool = False
) -> Row[Any] | None:
    """What retention needs of one case: its state, closure day and youngest child's birth."""
    query = select(
        Case.id,
        Case.family_id,
        Case.kind,
        Case.status,
        closed_on().label("closed_on"),
        youngest_child_born_on(Case.family_id).label("youngest_born_on"),
    ).where(Case.id == case_id)
    if lock:
        query = query.with_for_update(of=Case)
    return (await session.execute(query)).one_or_none()


async def active_holds(session: AsyncSession, case_id: UUID) -> Sequence[Row[Any]]:
    """The holds standing on a case, oldest first."""
    query = (
        select(holds)
        .where(holds.c.case_id == case_id, holds.c.lifted_at.is_(None))
        .order_by(holds.c.placed_at, holds.c.id)
    )
    return (await session.execute(query)).all()


async def latest_review(session: AsyncSession, case_id: UUID) -> Row[Any] | None:
    """The case's latest review."""
    query = (
        select(reviews)
        .where(reviews.c.case_id == case_id)
        .order_by(reviews.c.reviewed_at.desc(), reviews.c.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).one_or_none()


async def certificate_of(session: AsyncSession, case_id: UUID) -> Row[Any] | None:
    """The case's destruction certificate, if it was destroyed."""
    query = select(certificates).where(certificates.c.case_id == case_id)
    return (await session.execute(query)).one_or_none()


HOLD_KEY = Keyset((holds.c.placed_at, aware_datetime), (holds.c.id, uuid_value))


async def holds_page(
    session: AsyncSession, page: PageRequest, *, active_only: bool
) -> tuple[list[Row[Any]], str | None]:
    """Holds, newest first."""
    query = select(holds)
    if active_only:
        query = query.where(holds.c.lifted_at.is_(None))
    rows = (await session.execute(HOLD_KEY.apply(query, page))).all()
    return HOLD_KEY.page(rows, page, lambda row: (row.placed_at, row.id))


async def hold(session: AsyncSession, hold_id: UUID, *, lock: bool = False) -> Row[Any] | None:
    """One hold."""
    query = select(holds).where(holds.c.id == hold_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).one_or_none()


def is_after(moment: datetime, day: date) -> bool:
    """Whether `moment` falls on or after `day` in England."""
    return moment.astimezone(LONDON).date() >= day


CERTIFICATE_KEY = Keyset(
    (certificates.c.destroyed_at, aware_datetime), (certificates.c.id, uuid_value)
)


async def certificates_page(
    session: AsyncSession, page: PageRequest
) -> tuple[list[Row[Any]], str | None]:
    """Destruction certificates, newest first."""
    rows = (await session.execute(CERTIFICATE_KEY.apply(select(certificates), page))).all()
    return CERTIFICATE_KEY.page(rows, page, lambda row: (row.destroyed_at, row.id))
