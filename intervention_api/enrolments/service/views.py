"""Where everyone has got to: an enrolment, a case's programme, a team's caseload, a history."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.enrolments import repository
from intervention_api.enrolments.models import OPEN_MODULE_STATUSES, Enrolment, PlannedModule
from intervention_api.enrolments.repository import Tally
from intervention_api.enrolments.schemas import (
    CaseloadItem,
    CaseProgramme,
    EnrolmentRead,
    PlannedModuleRead,
    ProgressChangeRead,
)
from intervention_api.programmes import repository as programmes
from intervention_api.programmes.models import ProgrammeVersion
from intervention_api.programmes.service import definition_of
from services.pagination import PageRequest
from services.principal import Principal
from services.projection import ProjectedCase
from services.working_days import local_date


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
