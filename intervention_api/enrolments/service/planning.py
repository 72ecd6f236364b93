"""An enrolment's plan: the modules, their workers and due dates, checked and changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.access import allocated_now
from intervention_api.enrolments import repository
from intervention_api.enrolments.models import Enrolment, PlannedModule
from intervention_api.enrolments.schemas import PlanItem, PlanUpdate
from intervention_api.programmes import repository as programmes
from intervention_api.programmes.definition import ModuleDefinition
from intervention_api.programmes.service import definition_of
from services.errors import ProblemError, invalid
from services.projection import ProjectedCase
from services.working_days import ENGLAND


async def check_plan(
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
    await check_plan(session, case, modules, body.plan, lead)
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
