"""Enrolling a parent or the family on a programme version, and ending an enrolment."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.chronology import ENROLLED, announce
from intervention_api.enrolments import repository
from intervention_api.enrolments.models import Enrolment, PlannedModule
from intervention_api.enrolments.schemas import EnrolmentCreate
from intervention_api.enrolments.service.planning import check_plan
from intervention_api.programmes import repository as programmes
from intervention_api.programmes.models import ProgrammeVersion
from intervention_api.programmes.service import definition_of
from services.errors import ProblemError, invalid
from services.family_members import family_member
from services.principal import Principal
from services.projection import ProjectedCase
from services.unit_calls import AsCaller
from services.working_days import ENGLAND


async def _check_parent(calls: AsCaller, case: ProjectedCase, person_id: UUID) -> None:
    """A parent's enrolment names an adult of the case's family, as the workbook has it."""
    member = await family_member(calls, case.family_id, person_id, "body", "person_id")
    if member.is_child:
        raise invalid(
            "body",
            "person_id",
            message="A parent's enrolment names an adult of the family, not a child.",
            code="not_an_adult",
        )


async def enrol(
    session: AsyncSession,
    case: ProjectedCase,
    principal: Principal,
    body: EnrolmentCreate,
    calls: AsCaller,
) -> tuple[Enrolment, ProgrammeVersion]:
    """Enrol the participant on the programme version with the plan given, and announce it."""
    programme = await programmes.get(session, body.programme_id)
    if programme is None:
        raise invalid(
            "body", "programme_id", message="No such programme version.", code="unknown_programme"
        )
    modules = {m.code: m for m in definition_of(programme).modules}
    lead = body.lead_worker_id or principal.practitioner_id
    await check_plan(session, case, modules, body.plan, lead)
    if body.person_id is not None:
        await _check_parent(calls, case, body.person_id)
    if await repository.active_enrolment_exists(session, case.id, programme.code, body.person_id):
        raise ProblemError(
            409,
            "already-enrolled",
            "This participant is already enrolled on the programme on this case; end that "
            "enrolment first.",
        )
    enrolment = Enrolment(
        case_id=case.id,
        programme_version_id=programme.id,
        participant=body.participant,
        person_id=body.person_id,
        lead_worker_id=lead,
        enrolled_by=principal.practitioner_id,
        enrolled_at=case.now,
        status="active",
        version=1,
    )
    enrolment.modules = [
        PlannedModule(
            module_code=item.module_code,
            position=position,
            worker_id=item.worker_id or lead,
            due_on=(
                ENGLAND.deadline(case.now, item.due_within_working_days)
                if item.due_within_working_days is not None
                else None
            ),
            status="not_started",
        )
        for position, item in enumerate(body.plan, start=1)
    ]
    session.add(enrolment)
    await session.flush()
    titles = ", ".join(modules[item.module_code].title for item in body.plan)
    await announce(
        session,
        case,
        type_=ENROLLED,
        subject=f"cases/{case.id}/enrolments/{enrolment.id}",
        data={
            "enrolment_id": enrolment.id,
            "programme_id": programme.id,
            "programme_code": programme.code,
            "programme_version": programme.version,
            "participant": enrolment.participant,
            "person_id": enrolment.person_id,
            "lead_worker_id": lead,
            "modules": [item.module_code for item in body.plan],
        },
        occurred_at=case.now,
        title=f"Enrolled on {programme.title} (version {programme.version})",
        summary=f"{'A parent' if body.participant == 'parent' else 'The family'} was enrolled. "
        f"Planned modules, in order: {titles}.",
    )
    return enrolment, programme


async def end_enrolment(
    session: AsyncSession, case: ProjectedCase, enrolment: Enrolment, reason: str
) -> None:
    """End an active enrolment with a reason."""
    if enrolment.status != "active":
        raise ProblemError(409, "enrolment-ended", "The enrolment has already ended.")
    enrolment.status = "ended"
    enrolment.ended_at = case.now
    enrolment.end_reason = reason
    enrolment.version += 1
    await session.flush()
