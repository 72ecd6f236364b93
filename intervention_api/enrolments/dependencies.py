"""Load-or-404 dependencies for an enrolment on a case the caller may see or works on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Path

from intervention_api.access import ReadableCase, WorkingCase
from intervention_api.enrolments import repository
from intervention_api.enrolments.models import Enrolment
from services.concurrency import IfMatch, check_if_match
from services.errors import NotFound, raises
from services.projection import ProjectedCase
from services.unit_of_work import DbSession

EnrolmentId = Annotated[UUID, Path(description="The enrolment")]


@dataclass(frozen=True)
class EnrolmentOnCase:
    """An enrolment and the case it is on, with the caller's standing."""

    case: ProjectedCase
    enrolment: Enrolment


async def _load(
    session: DbSession, case: ProjectedCase, enrolment_id: UUID, *, lock: bool
) -> EnrolmentOnCase:
    enrolment = await repository.load(session, case.id, enrolment_id, lock=lock)
    if enrolment is None:
        raise NotFound("enrolment")
    return EnrolmentOnCase(case, enrolment)


@raises(404)
async def readable_enrolment(
    enrolment_id: EnrolmentId, case: ReadableCase, session: DbSession
) -> EnrolmentOnCase:
    """An enrolment on a case the caller may see."""
    return await _load(session, case, enrolment_id, lock=False)


@raises(404)
async def working_enrolment(
    enrolment_id: EnrolmentId, case: WorkingCase, session: DbSession
) -> EnrolmentOnCase:
    """An enrolment on an open case the caller works on, locked for the change."""
    return await _load(session, case, enrolment_id, lock=True)


@raises(404, 412, 428)
async def changing_enrolment(
    target: Annotated[EnrolmentOnCase, Depends(working_enrolment)], if_match: IfMatch = None
) -> EnrolmentOnCase:
    """As `working_enrolment`, at the version the caller last read (If-Match)."""
    check_if_match(if_match, target.enrolment.id, target.enrolment.version)
    return target


ReadableEnrolment = Annotated[EnrolmentOnCase, Depends(readable_enrolment)]
WorkingEnrolment = Annotated[EnrolmentOnCase, Depends(working_enrolment)]
ChangingEnrolment = Annotated[EnrolmentOnCase, Depends(changing_enrolment)]
