"""Enrolling, planning, progress and the views of where everyone has got to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.access import allocated_now
from intervention_api.chronology import ENROLLED, MODULE_COMPLETED, announce
from intervention_api.enrolments import repository
from intervention_api.enrolments.models import (
    OPEN_MODULE_STATUSES,
    Enrolment,
    PlannedModule,
    ProgressChange,
)
from intervention_api.enrolments.repository import Tally
from intervention_api.enrolments.schemas import (
    CaseloadItem,
    CaseProgramme,
    EnrolmentCreate,
    EnrolmentRead,
    PlanItem,
    PlannedModuleRead,
    PlanUpdate,
    ProgressChangeRead,
    ProgressUpdate,
)
from intervention_api.programmes import repository as programmes
from intervention_api.programmes.definition import ModuleDefinition
from intervention_api.programmes.models import ProgrammeVersion
from intervention_api.programmes.service import definition_of
from services.errors import ProblemError, invalid
from services.family_members import family_member
from services.pagination import PageRequest
from services.principal import Principal
from services.projection import ProjectedCase
from services.unit_calls import AsCaller
from services.working_days import ENGLAND, local_date


async def _check_plan(
    session: AsyncSession,
    case: ProjectedCase,
    modules: Mapping[str, ModuleDefinition],
    plan: Sequence[PlanItem],
    lead: UUID,
) -> None:
    """Every planned module is in the programme version; the lead and every module's worker
    hold an allocation on the case now."""
    for index, item in enumerate(plan):
        if item.module_code not in modules:
            raise invalid(
                "body",
                "plan",
                str(index),
                "module_code",
                message="This module is not in the programme version.",
                code="unknown_module",
            )
    workers = {lead, *(item.worker_id for item in plan if item.worker_id is not None)}
    allocated = await allocated_now(session, case.id, workers)
    if lead not in allocated:
        raise invalid(
            "body",
            "lead_worker_id",
            message="The lead worker must be allocated to the case.",
            code="unknown_worker",
        )
    for index, item in enumerate(plan):
        if item.worker_id is not None and item.worker_id not in allocated:
            raise invalid(
                "body",
                "plan",
                str(index),
                "worker_id",
                message="The module's worker must be allocated to the case.",
                code="unknown_worker",
            )


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
    await _check_plan(session, case, modules, body.plan, lead)
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


def _rate(tally: Tally) -> float | None:
    attended = tally.by_attendance.get("attended", 0)
    held_or_missed = attended + tally.by_attendance.get("did_not_attend", 0)
    return round(attended / held_or_missed, 3) if held_or_missed else None


def _overdue(module: PlannedModule, today: date) -> bool:
    return (
        module.status in OPEN_MODULE_STATUSES
        and module.due_on is not None
        and module.due_on < today
    )


def view(
    enrolment: Enrolment,
    programme: ProgrammeVersion,
    tally: Tally,
    today: date,
    names: dict[UUID, str],
) -> EnrolmentRead:
    """An enrolment with its plan and where it has got to (overdue as of `today`)."""
    titles = {m.code: m.title for m in definition_of(programme).modules}
    modules = [
        PlannedModuleRead.of(
            module,
            title=titles.get(module.module_code, module.module_code),
            worker_name=names.get(module.worker_id),
            overdue=_overdue(module, today),
            sessions_attended=tally.attended_by_module.get(module.module_code, 0),
        )
        for module in enrolment.modules
    ]
    return EnrolmentRead.of(
        enrolment,
        programme_id=programme.id,
        programme_code=programme.code,
        programme_version=programme.version,
        programme_title=programme.title,
        lead_worker_name=names.get(enrolment.lead_worker_id),
        modules=modules,
        sessions_attended=tally.by_attendance.get("attended", 0),
        sessions_missed=tally.by_attendance.get("did_not_attend", 0),
        sessions_cancelled=tally.by_attendance.get("cancelled", 0),
        attendance_rate=_rate(tally),
        modules_overdue=sum(1 for m in modules if m.overdue),
        modules_done=sum(1 for m in modules if m.status in ("completed", "not_applicable")),
    )


async def _programmes(
    session: AsyncSession, enrolments: list[Enrolment]
) -> dict[UUID, ProgrammeVersion]:
    found: dict[UUID, ProgrammeVersion] = {}
    for version_id in {e.programme_version_id for e in enrolments}:
        programme = await programmes.get(session, version_id)
        assert programme is not None  # a foreign key holds it
        found[version_id] = programme
    return found


def _workers(enrolments: list[Enrolment]) -> set[UUID]:
    return {e.lead_worker_id for e in enrolments} | {
        m.worker_id for e in enrolments for m in e.modules
    }


async def views(
    session: AsyncSession, enrolments: list[Enrolment], today: date
) -> list[EnrolmentRead]:
    """Views of several enrolments."""
    versions = await _programmes(session, enrolments)
    counted = await repository.tallies(session, [e.id for e in enrolments])
    names = await repository.practitioner_names(session, _workers(enrolments))
    return [
        view(e, versions[e.programme_version_id], counted[e.id], today, names) for e in enrolments
    ]


async def one_view(session: AsyncSession, enrolment: Enrolment, today: date) -> EnrolmentRead:
    """The view of one enrolment."""
    return (await views(session, [enrolment], today))[0]


async def case_programme(session: AsyncSession, case: ProjectedCase) -> CaseProgramme:
    """The family view of a case: every enrolment, attendance across them, what is overdue."""
    today = local_date(case.now)
    enrolments = await repository.list_for_case(session, case.id)
    items = await views(session, enrolments, today)
    attended = sum(v.sessions_attended for v in items)
    missed = sum(v.sessions_missed for v in items)
    return CaseProgramme(
        case_id=case.id,
        enrolments=items,
        attendance_rate=round(attended / (attended + missed), 3) if attended + missed else None,
        modules_overdue=sum(v.modules_overdue for v in items),
    )


async def caseload(
    session: AsyncSession,
    principal: Principal,
    team_id: UUID | None,
    today: date,
    page: PageRequest,
) -> tuple[list[CaseloadItem], str | None]:
    """A page of active enrolments on open cases the caller may see: the team caseload view."""
    found, next_cursor = await repository.caseload(session, principal, team_id, page)
    versions = await _programmes(session, [e for e, _ in found])
    counted = await repository.tallies(session, [e.id for e, _ in found])
    names = await repository.practitioner_names(session, _workers([e for e, _ in found]))
    result = []
    for enrolment, team in found:
        tally = counted[enrolment.id]
        item = view(enrolment, versions[enrolment.programme_version_id], tally, today, names)
        current = next((m.title for m in item.modules if m.status == "in_progress"), None) or next(
            (m.title for m in item.modules if m.status == "not_started"), None
        )
        result.append(
            CaseloadItem(
                enrolment_id=enrolment.id,
                case_id=enrolment.case_id,
                owning_team_id=team,
                participant=item.participant,
                person_id=item.person_id,
                lead_worker_id=item.lead_worker_id,
                lead_worker_name=item.lead_worker_name,
                programme_title=item.programme_title,
                programme_version=item.programme_version,
                current_module=current,
                modules_done=item.modules_done,
                modules_planned=len(item.modules),
                modules_overdue=item.modules_overdue,
                attendance_rate=item.attendance_rate,
                last_session_on=tally.last_held_on,
            )
        )
    return result, next_cursor


async def progress_history(
    session: AsyncSession, enrolment: Enrolment, page: PageRequest
) -> tuple[list[ProgressChangeRead], str | None]:
    """A page of the enrolment's progress changes, oldest first, naming who made each."""
    changes, next_cursor = await repository.progress_history(session, enrolment.id, page)
    names = await repository.practitioner_names(session, {c.changed_by for c in changes})
    return [
        ProgressChangeRead.of(change, changed_by_name=names.get(change.changed_by))
        for change in changes
    ], next_cursor


def _planned(enrolment: Enrolment, code: str) -> PlannedModule:
    module = next((m for m in enrolment.modules if m.module_code == code), None)
    if module is None:
        raise invalid(
            "body", "module_code", message="This module is not in the plan.", code="unknown_module"
        )
    return module


async def update_progress(
    session: AsyncSession,
    case: ProjectedCase,
    principal: Principal,
    enrolment: Enrolment,
    body: ProgressUpdate,
) -> None:
    """Set a planned module's progress; completing one announces it on the chronology."""
    if enrolment.status != "active":
        raise ProblemError(409, "enrolment-ended", "The enrolment has ended.")
    module = _planned(enrolment, body.module_code)
    if module.status == body.status and module.status_reason == body.reason:
        return
    if module.status == "completed" and body.status != "completed" and body.reason is None:
        raise ProblemError(
            409,
            "reason-required",
            "The module was completed: say why it is not any more (reason).",
        )
    newly_completed = body.status == "completed" and module.status != "completed"
    session.add(
        ProgressChange(
            enrolment_id=enrolment.id,
            module_code=module.module_code,
            from_status=module.status,
            to_status=body.status,
            reason=body.reason,
            changed_by=principal.practitioner_id,
            changed_at=case.now,
        )
    )
    module.status = body.status
    module.status_reason = body.reason
    module.status_changed_at = case.now
    module.status_changed_by = principal.practitioner_id
    module.completed_at = case.now if body.status == "completed" else None
    enrolment.version += 1
    await session.flush()
    if newly_completed:
        programme = await programmes.get(session, enrolment.programme_version_id)
        assert programme is not None
        title = next(
            (m.title for m in definition_of(programme).modules if m.code == module.module_code),
            module.module_code,
        )
        await announce(
            session,
            case,
            type_=MODULE_COMPLETED,
            subject=f"cases/{case.id}/enrolments/{enrolment.id}",
            data={
                "enrolment_id": enrolment.id,
                "module_code": module.module_code,
                "programme_code": programme.code,
                "programme_version": programme.version,
            },
            occurred_at=case.now,
            title=f"Programme module completed: {title}",
            summary=None,
        )


async def replan(
    session: AsyncSession, case: ProjectedCase, enrolment: Enrolment, body: PlanUpdate
) -> None:
    """Replace the plan's order, workers and due dates, keeping each module's progress.

    A module may leave the plan only while nothing has happened in it (not started, no
    session covering it): its record of work stays with the plan. Due dates are counted from
    enrolment; a module given none keeps the one it had.
    """
    if enrolment.status != "active":
        raise ProblemError(409, "enrolment-ended", "The enrolment has ended.")
    programme = await programmes.get(session, enrolment.programme_version_id)
    assert programme is not None  # a foreign key holds it
    modules = {m.code: m for m in definition_of(programme).modules}
    lead = body.lead_worker_id or enrolment.lead_worker_id
    await _check_plan(session, case, modules, body.plan, lead)
    kept = {item.module_code for item in body.plan}
    covered = (await repository.tallies(session, [enrolment.id]))[enrolment.id]
    for module in enrolment.modules:
        if module.module_code not in kept and (
            module.status != "not_started" or module.module_code in covered.attended_by_module
        ):
            raise ProblemError(
                409,
                "module-has-progress",
                f"Module {module.module_code} has progress or sessions: it stays in the plan "
                "(mark it not applicable, with a reason, instead).",
            )
    existing = {m.module_code: m for m in enrolment.modules}
    planned = []
    for position, item in enumerate(body.plan, start=1):
        module = existing.get(item.module_code) or PlannedModule(
            module_code=item.module_code, status="not_started", due_on=None
        )
        module.position = position
        module.worker_id = item.worker_id or lead
        if item.due_within_working_days is not None:
            module.due_on = ENGLAND.deadline(enrolment.enrolled_at, item.due_within_working_days)
        planned.append(module)
    # Positions are not unique in the table, so the new order is written in one go.
    enrolment.modules = planned
    enrolment.lead_worker_id = lead
    enrolment.version += 1
    await session.flush()


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


def start_modules(
    session: AsyncSession,
    enrolment: Enrolment,
    codes: list[str],
    case: ProjectedCase,
    *,
    session_id: UUID,
    by: UUID,
) -> None:
    """Modules covered in an attended session are in progress if they had not started (the
    change kept, naming the session and who logged it)."""
    for module in enrolment.modules:
        if module.module_code in codes and module.status == "not_started":
            session.add(
                ProgressChange(
                    enrolment_id=enrolment.id,
                    module_code=module.module_code,
                    from_status=module.status,
                    to_status="in_progress",
                    reason=None,
                    changed_by=by,
                    changed_at=case.now,
                    session_id=session_id,
                )
            )
            module.status = "in_progress"
            module.status_changed_at = case.now
            module.status_changed_by = by
