"""Logging programme sessions and reading them as the caller may."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.access import allocated_now
from intervention_api.chronology import SESSION_LOGGED, SESSION_WITHDRAWN, announce
from intervention_api.enrolments.models import Enrolment
from intervention_api.enrolments.service.progress import start_modules
from intervention_api.practice import repository as codings
from intervention_api.practice.service import coding_read
from intervention_api.programmes import repository as programmes
from intervention_api.programmes.service import definition_of
from intervention_api.sessions.models import ProgrammeSession
from intervention_api.sessions.schemas import SessionCreate, SessionRead
from services.errors import Forbidden, ProblemError, invalid
from services.principal import Principal
from services.projection import ProjectedCase
from services.working_days import local_date

LONDON = ZoneInfo("Europe/London")
ATTENDANCE_WORDS = {
    "attended": "attended",
    "did_not_attend": "not attended",
    "cancelled": "cancelled",
}


async def log_session(
    session: AsyncSession,
    case: ProjectedCase,
    principal: Principal,
    enrolment: Enrolment,
    body: SessionCreate,
) -> ProgrammeSession:
    """Record a session, move the modules it covered along, and put it on the chronology."""
    if enrolment.status != "active":
        raise ProblemError(409, "enrolment-ended", "The enrolment has ended.")
    if body.held_on > local_date(case.now):
        raise invalid("body", "held_on", message="A session is logged once held.", code="future")
    planned = {m.module_code for m in enrolment.modules}
    for index, code in enumerate(body.modules):
        if code not in planned:
            raise invalid(
                "body",
                "modules",
                str(index),
                message="This module is not in the enrolment's plan.",
                code="unknown_module",
            )
    programme = await programmes.get(session, enrolment.programme_version_id)
    assert programme is not None  # a foreign key holds it
    definition = definition_of(programme)
    tools = {tool.code for module in definition.modules for tool in module.tools}
    for index, code in enumerate(body.tools):
        if code not in tools:
            raise invalid(
                "body",
                "tools",
                str(index),
                message="This tool is not in the programme version.",
                code="unknown_tool",
            )
    worker = body.worker_id or principal.practitioner_id
    if worker not in await allocated_now(session, case.id, [worker]):
        raise invalid(
            "body",
            "worker_id",
            message="The session's worker must be allocated to the case.",
            code="unknown_worker",
        )
    logged = ProgrammeSession(
        enrolment_id=enrolment.id,
        case_id=case.id,
        held_on=body.held_on,
        worker_id=worker,
        attendance=body.attendance,
        engagement=body.engagement,
        module_codes=list(dict.fromkeys(body.modules)),
        tool_codes=list(dict.fromkeys(body.tools)),
        summary=body.summary,
        restricted_detail=body.restricted_detail,
        recorded_by=principal.practitioner_id,
        recorded_by_discipline=principal.discipline,
        recorded_at=case.now,
    )
    session.add(logged)
    await session.flush()
    if body.attendance == "attended":
        start_modules(
            session,
            enrolment,
            logged.module_codes,
            case,
            session_id=logged.id,
            by=principal.practitioner_id,
        )
        await session.flush()
    titles = {m.code: m.title for m in definition.modules}
    covered = ", ".join(titles[code] for code in logged.module_codes)
    await announce(
        session,
        case,
        type_=SESSION_LOGGED,
        subject=f"cases/{case.id}/enrolments/{enrolment.id}/sessions/{logged.id}",
        data={
            "enrolment_id": enrolment.id,
            "session_id": logged.id,
            "held_on": logged.held_on,
            "worker_id": worker,
            "attendance": logged.attendance,
            "modules": logged.module_codes,
        },
        # Sessions are dated, not timed: the chronology places them at noon that day.
        occurred_at=datetime.combine(logged.held_on, time(12), tzinfo=LONDON),
        title=f"Programme session ({ATTENDANCE_WORDS[logged.attendance]})"
        + (f": {covered}" if covered else ""),
        summary=logged.summary,
    )
    return logged


async def withdraw_session(
    session: AsyncSession,
    case: ProjectedCase,
    principal: Principal,
    logged: ProgrammeSession,
    reason: str,
) -> None:
    """Withdraw a session as entered in error: its recorder or the case's managers. It is kept
    and shown as withdrawn; attendance, progress tallies and practice reports leave it out (a
    module it started stays in progress: say so with the module's progress if it should not)."""
    if logged.recorded_by != principal.practitioner_id and not case.manages:
        raise Forbidden("Only the worker who logged the session, or a manager, can withdraw it.")
    if logged.withdrawn_at is not None:
        raise ProblemError(409, "session-withdrawn", "The session is already withdrawn.")
    logged.withdrawn_at = case.now
    logged.withdrawn_by = principal.practitioner_id
    logged.withdrawal_reason = reason
    await session.flush()
    await announce(
        session,
        case,
        type_=SESSION_WITHDRAWN,
        subject=f"cases/{case.id}/enrolments/{logged.enrolment_id}/sessions/{logged.id}",
        data={"enrolment_id": logged.enrolment_id, "session_id": logged.id},
        occurred_at=case.now,
        title=f"Programme session of {logged.held_on.isoformat()} withdrawn (entered in error)",
        summary=reason,
    )


async def views(session: AsyncSession, rows: Sequence[Row[Any]]) -> list[SessionRead]:
    """Sessions (rows of the session, its visible detail and whether detail was withheld),
    with their codings."""
    found = await codings.for_sessions(session, [row[0].id for row in rows])
    return [
        SessionRead.of(
            row[0],
            modules=row[0].module_codes,
            tools=row[0].tool_codes,
            restricted_detail=row.visible_detail,
            detail_withheld=bool(row.detail_withheld),
            codings=[coding_read(c) for c in found[row[0].id]],
        )
        for row in rows
    ]
