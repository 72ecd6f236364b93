"""Retention classifications: the DPO records that a case's record is kept under a longer rule
because a child on it became looked after or was adopted, and withdraws one (with why) when it
was recorded in error. Withdrawn ones stay on record; only standing ones count
(`service.due_on`, `due_day.py`)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import ProblemError, invalid
from services.pagination import PageRequest
from services.principal import Principal
from workbook_api.retention import repository
from workbook_api.retention.models import classifications
from workbook_api.retention.schemas import ClassificationCreate, ClassificationRead
from workbook_api.retention.service import CaseNotFound, today


class ClassificationNotFound(ProblemError):
    """No such classification."""

    def __init__(self) -> None:
        super().__init__(404, "not-found", "No such retention classification.")


def classification_read(row: Any) -> ClassificationRead:
    return ClassificationRead.of(row, standing=row.withdrawn_at is None)


def _check_child(child: Any, family_id: UUID, body: ClassificationCreate, day: date) -> None:
    """The person is a child of the case's family, and the dates make sense for them."""
    if child is None or child.family_id != family_id or child.role != "child":
        raise invalid(
            "body", "person_id", message="Not a child of the case's family.", code="member"
        )
    if body.kind == "looked_after" and child.date_of_birth is None:
        # The rule counts to the child's 75th birthday: without a birth day nobody can say
        # when the record may go.
        raise invalid(
            "body", "person_id", message="Record the child's date of birth first.", code="birth"
        )
    if body.effective_on > day:
        raise invalid("body", "effective_on", message="Not in the future.", code="future")
    if child.date_of_birth is not None and body.effective_on < child.date_of_birth:
        raise invalid(
            "body", "effective_on", message="Before the child was born.", code="before_birth"
        )


async def record(
    session: AsyncSession, case_id: UUID, body: ClassificationCreate, dpo: Principal
) -> ClassificationRead:
    """Record a classification (on an open or a closed case)."""
    # Locked as destruction locks it: a case is never destroyed while one is being recorded.
    facts = await repository.case_facts(session, case_id, lock=True)
    if facts is None:
        raise CaseNotFound()
    child = await repository.family_member(session, body.person_id)
    _check_child(child, facts.family_id, body, await today(session))
    values = {
        "id": uuid.uuid4(),
        "case_id": case_id,
        "person_id": body.person_id,
        "kind": body.kind,
        "effective_on": body.effective_on,
        "reason": body.reason,
        "recorded_by": dpo.practitioner_id,
        "recorded_by_name": dpo.display_name,
    }
    statement = insert(classifications).values(values).returning(classifications)
    return classification_read((await session.execute(statement)).one())


async def list_for_case(
    session: AsyncSession, case_id: UUID, page: PageRequest
) -> tuple[list[ClassificationRead], str | None]:
    """A case's classifications, withdrawn ones too, newest first."""
    if await repository.case_facts(session, case_id) is None:
        raise CaseNotFound()
    rows, cursor = await repository.classifications_page(session, case_id, page)
    return [classification_read(row) for row in rows], cursor


async def withdraw(
    session: AsyncSession, classification_id: UUID, reason: str, dpo: Principal
) -> ClassificationRead:
    """Withdraw a standing classification; it stays on record with who withdrew it and why."""
    found = await repository.classification(session, classification_id)
    if found is None:
        raise ClassificationNotFound()
    # The case first, as destruction and recording lock it, then the classification.
    await repository.case_facts(session, found.case_id, lock=True)
    statement = (
        update(classifications)
        .where(classifications.c.id == classification_id, classifications.c.withdrawn_at.is_(None))
        .values(
            withdrawn_by=dpo.practitioner_id,
            withdrawn_at=await transaction_now(session),
            withdraw_reason=reason,
            version=classifications.c.version + 1,
        )
        .returning(classifications)
    )
    row = (await session.execute(statement)).one_or_none()
    if row is None:
        raise ProblemError(
            409, "classification-withdrawn", "The classification was withdrawn already."
        )
    return classification_read(row)
