"""Retention behaviour: the due list, holds, reviews (destruction is destruction.py's)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import ProblemError
from services.pagination import PageRequest
from services.principal import Principal
from services.retention.rules import (
    Classification,
    RecordKind,
    RetentionRule,
    case_due_on,
    schedule_of,
)
from services.settings import KernelSettings
from services.working_days import local_date
from workbook_api.retention import repository
from workbook_api.retention.due_day import RECORD_KIND_OF_CASE, due_day_columns
from workbook_api.retention.repository import holds, reviews
from workbook_api.retention.schemas import CertificateRead, DueCase, HoldRead, ReviewRead


class CaseNotFound(ProblemError):
    """No such case."""

    def __init__(self) -> None:
        super().__init__(404, "not-found", "No such case.")


def record_kind_of(case: Any) -> RecordKind:
    """Which rule keeps a workbook case before any classification: child protection for Family
    Safeguarding work, the council's early help rule for an early help involvement."""
    return RECORD_KIND_OF_CASE[case.kind]


async def due_on(
    session: AsyncSession, settings: KernelSettings, facts: Any
) -> tuple[RetentionRule, date | None]:
    """The rule keeping a case longest and the day it falls due for review (None while open):
    the latest of its own kind's rule and every standing classification's."""
    standing = [
        Classification(row.kind, row.born_on, row.effective_on)
        for row in await repository.standing_classifications(session, facts.id)
    ]
    return case_due_on(schedule_of(settings), record_kind_of(facts), facts.closed_on, standing)


async def today(session: AsyncSession) -> date:
    """The transaction's day in England."""
    return local_date(await transaction_now(session))


async def due_for_review(
    session: AsyncSession, settings: KernelSettings, as_of: date, page: PageRequest
) -> tuple[list[DueCase], str | None]:
    """Closed cases whose retention has run out by `as_of`, oldest closure first; the due day
    is worked out in the database (`due_day.py`), so each page holds only due cases."""
    schedule = schedule_of(settings)
    rows, cursor = await repository.due_page(session, due_day_columns(schedule), as_of, page)
    items = []
    for row in rows:
        # The rule that gave the day; a classification names it when it ties with the base.
        if row.due_on == row.adoption_on:
            rule = schedule["adoption"]
        elif row.due_on == row.looked_after_on:
            rule = schedule["looked_after"]
        else:
            rule = schedule[RECORD_KIND_OF_CASE[row.kind]]
        items.append(
            DueCase(
                case_id=row.id,
                family_id=row.family_id,
                owning_team_id=row.owning_team_id,
                rule=rule.kind,
                rule_description=rule.description,
                closed_at=row.closed_at,
                due_on=row.due_on,
                on_hold=row.on_hold,
                last_decision=row.decision,
                last_reviewed_at=row.reviewed_at,
            )
        )
    return items, cursor


async def list_holds(
    session: AsyncSession, page: PageRequest, *, active_only: bool
) -> tuple[list[HoldRead], str | None]:
    """Legal holds, newest first."""
    rows, cursor = await repository.holds_page(session, page, active_only=active_only)
    return [hold_read(row) for row in rows], cursor


async def list_certificates(
    session: AsyncSession, page: PageRequest
) -> tuple[list[CertificateRead], str | None]:
    """Destruction certificates, newest first."""
    rows, cursor = await repository.certificates_page(session, page)
    return [CertificateRead.of(row) for row in rows], cursor


def hold_read(row: Any) -> HoldRead:
    return HoldRead.of(row, active=row.lifted_at is None)


async def place_hold(session: AsyncSession, case_id: UUID, reason: str, dpo: Principal) -> HoldRead:
    """Stop the case's destruction until the hold is lifted."""
    if await repository.case_facts(session, case_id) is None:
        raise CaseNotFound()
    values = {
        "id": uuid.uuid4(),
        "case_id": case_id,
        "reason": reason,
        "placed_by": dpo.practitioner_id,
        "placed_by_name": dpo.display_name,
    }
    row = (await session.execute(insert(holds).values(values).returning(holds))).one()
    return hold_read(row)


class HoldNotFound(ProblemError):
    """No such hold."""

    def __init__(self) -> None:
        super().__init__(404, "not-found", "No such legal hold.")


async def lift_hold(session: AsyncSession, hold_id: UUID, reason: str, dpo: Principal) -> HoldRead:
    """Lift a standing hold (a lifted one stays on record, with who lifted it and why)."""
    held = await repository.hold(session, hold_id, lock=True)
    if held is None:
        raise HoldNotFound()
    if held.lifted_at is not None:
        raise ProblemError(409, "hold-lifted", "The legal hold was lifted already.")
    row = (
        await session.execute(
            update(holds)
            .where(holds.c.id == hold_id)
            .values(
                lifted_by=dpo.practitioner_id,
                lifted_at=await transaction_now(session),
                lift_reason=reason,
                version=holds.c.version + 1,
            )
            .returning(holds)
        )
    ).one()
    return hold_read(row)


def authorises(review: Any, due: date | None, on_hold: bool) -> bool:
    """A review lets the operator destroy: it decided so once the case was due, and no hold
    stands (the operator's command checks all of it again, at the time)."""
    return (
        review.decision == "destroy"
        and due is not None
        and repository.is_after(review.reviewed_at, due)
        and not on_hold
    )


async def record_review(
    session: AsyncSession,
    settings: KernelSettings,
    case_id: UUID,
    decision: str,
    reason: str,
    dpo: Principal,
) -> ReviewRead:
    """Record the DPO's decision on a case (the latest review is the one that counts)."""
    facts = await repository.case_facts(session, case_id)
    if facts is None:
        raise CaseNotFound()
    rule, due = await due_on(session, settings, facts)
    values = {
        "id": uuid.uuid4(),
        "case_id": case_id,
        "decision": decision,
        "reason": reason,
        "rule": rule.kind,
        "due_on": due,
        "reviewed_by": dpo.practitioner_id,
        "reviewed_by_name": dpo.display_name,
    }
    row = (await session.execute(insert(reviews).values(values).returning(reviews))).one()
    on_hold = bool(await repository.active_holds(session, case_id))
    return ReviewRead.of(row, authorises_destruction=authorises(row, due, on_hold))
