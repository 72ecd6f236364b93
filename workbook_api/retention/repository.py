"""Retention queries on the workbook's cases, holds and reviews."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, exists, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import LateralFromClause

from services.pagination import Keyset, PageRequest, aware_datetime, uuid_value
from services.working_days import LONDON
from workbook_api.cases.models import Case
from workbook_api.families.models import Person
from workbook_api.retention.due_day import DueDayColumns, closed_on
from workbook_api.retention.models import classifications, retention

holds, reviews, certificates = retention.holds, retention.reviews, retention.certificates
DUE_KEY = Keyset((Case.closed_at, aware_datetime), (Case.id, uuid_value), descending=False)


def active_hold_exists(case_id: Any) -> Any:
    """Whether a hold stands on the case."""
    return exists().where(holds.c.case_id == case_id, holds.c.lifted_at.is_(None))


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
    session: AsyncSession, days: DueDayColumns, as_of: date, page: PageRequest
) -> tuple[list[Row[Any]], str | None]:
    """Closed, undestroyed cases whose due day is on or before `as_of`, oldest closure first."""
    latest = last_review()
    query = (
        select(
            Case.id,
            Case.family_id,
            Case.owning_team_id,
            Case.kind,
            Case.closed_at,
            days.due_on.label("due_on"),
            days.looked_after_on.label("looked_after_on"),
            days.adoption_on.label("adoption_on"),
            active_hold_exists(Case.id).label("on_hold"),
            latest.c.decision,
            latest.c.reviewed_at,
        )
        .outerjoin(latest, true())
        .where(
            Case.status == "closed",
            days.due_on <= as_of,
            ~exists().where(certificates.c.case_id == Case.id),
        )
    )
    rows = (await session.execute(DUE_KEY.apply(query, page))).all()
    return DUE_KEY.page(rows, page, lambda row: (row.closed_at, row.id))


async def case_facts(
    session: AsyncSession, case_id: UUID, *, lock: bool = False
) -> Row[Any] | None:
    """What retention needs of one case: its kind, state and closure day."""
    query = select(
        Case.id,
        Case.family_id,
        Case.kind,
        Case.status,
        closed_on().label("closed_on"),
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


async def standing_classifications(session: AsyncSession, case_id: UUID) -> Sequence[Row[Any]]:
    """A case's classifications not withdrawn, with the classified child's birth day."""
    query = (
        select(
            classifications.c.kind,
            classifications.c.effective_on,
            Person.date_of_birth.label("born_on"),
        )
        .join(Person, Person.id == classifications.c.person_id)
        .where(classifications.c.case_id == case_id, classifications.c.withdrawn_at.is_(None))
        .order_by(classifications.c.recorded_at, classifications.c.id)
    )
    return (await session.execute(query)).all()


async def family_member(
    session: AsyncSession, person_id: UUID
) -> Row[UUID, UUID, str, date | None] | None:
    """Who a person is (family, role, birth day), for checking a classification names a child
    of the case's family."""
    query = select(Person.id, Person.family_id, Person.role, Person.date_of_birth).where(
        Person.id == person_id
    )
    return (await session.execute(query)).one_or_none()


CLASSIFICATION_KEY = Keyset(
    (classifications.c.recorded_at, aware_datetime), (classifications.c.id, uuid_value)
)


async def classifications_page(
    session: AsyncSession, case_id: UUID, page: PageRequest
) -> tuple[list[Row[Any]], str | None]:
    """A case's classifications, withdrawn ones too, newest first."""
    query = select(classifications).where(classifications.c.case_id == case_id)
    rows = (await session.execute(CLASSIFICATION_KEY.apply(query, page))).all()
    return CLASSIFICATION_KEY.page(rows, page, lambda row: (row.recorded_at, row.id))


async def classification(session: AsyncSession, classification_id: UUID) -> Row[Any] | None:
    """One classification."""
    query = select(classifications).where(classifications.c.id == classification_id)
    return (await session.execute(query)).one_or_none()
