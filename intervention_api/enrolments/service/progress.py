"""How each planned module goes: progress recorded by workers, and modules a session starts."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.chronology import MODULE_COMPLETED, announce
from intervention_api.enrolments.models import Enrolment, PlannedModule, ProgressChange
from intervention_api.enrolments.schemas import ProgressUpdate
from intervention_api.programmes import repository as programmes
from intervention_api.programmes.service import definition_of
from services.errors import ProblemError, invalid
from services.principal import Principal
from services.projection import ProjectedCase


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
