"""Synthetic demo data for the programme (never real people): the example catalogue, two
enrolments on the workbook's demo cases, sessions, and MITI codings of some of them.

Ids repeat the workbook's and the directory's demo constants (units never import each other).
The rows are written directly, not through the request path: on a fresh machine this unit's
case projection fills only once `fsm run` relays the workbook's demo cases, after seeding. The
events a real enrolment, session or completed module would send are published all the same, so
the workbook's demo chronology shows the programme. Seeding runs on every `fsm run`; once the
demo programme version is there, nothing is added again.

Each domain seeds its own part in its own function (the Parenting Assessment in
`intervention_api/assessments/demo.py`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from uuid import UUID, uuid5

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.assessments.demo import seed_demo_assessments
from intervention_api.catalogue import EXAMPLE_CATALOGUE
from intervention_api.chronology import (
    CHRONOLOGY,
    ENROLLED,
    MODULE_COMPLETED,
    SESSION_LOGGED,
    SOURCE,
)
from intervention_api.enrolments.models import Enrolment, PlannedModule, ProgressChange
from intervention_api.models import kernel
from intervention_api.practice.models import MitiCoding
from intervention_api.programmes.catalogue_file import read_catalogue
from intervention_api.programmes.models import ProgrammeVersion
from intervention_api.sessions.models import ProgrammeSession
from intervention_api.sessions.service import ATTENDANCE_WORDS, LONDON
from services.event_contracts import ChronologyContribution
from services.outbox import publish
from services.working_days import ENGLAND

# Copied from gateway/directory/demo.py and workbook_api/demo.py (they own them).
TEAM_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000001")
MANAGER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000101")
SOCIAL_WORKER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000102")
DA_VICTIM_WORKER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000103")
RECOVERY_WORKER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000104")
MENTAL_HEALTH_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000105")
ADMINISTRATOR: Final = UUID("d3a0f5e1-0000-4000-8000-000000000901")
ASHDOWN_CASE: Final = UUID("d3a0f5e1-0001-4000-8003-000000000001")
ASHDOWN_MORGAN: Final = UUID("d3a0f5e1-0001-4000-8002-000000000011")
BRIGHTWELL_CASE: Final = UUID("d3a0f5e1-0001-4000-8003-000000000002")

DISCIPLINES: Final = {
    SOCIAL_WORKER_NORTH: "social_worker",
    DA_VICTIM_WORKER_NORTH: "da_victim_worker",
    RECOVERY_WORKER_NORTH: "recovery_worker",
    MENTAL_HEALTH_NORTH: "mental_health_practitioner",
}


def demo_id(kind: int, number: int) -> UUID:
    """A fixed intervention demo id: kind 1 programme, 2 enrolment, 3 session, 4 coding."""
    return UUID(f"d3a0f5e1-0031-4000-8{kind:03d}-{number:012d}")


PROGRAMME: Final = demo_id(1, 1)
# (session number, enrolment number, days ago, worker, attendance, engagement, modules, tools,
#  summary, restricted detail)
SESSIONS: Final = (
    (
        1,
        1,
        28,
        SOCIAL_WORKER_NORTH,
        "attended",
        4,
        ("engagement_and_goals",),
        ("strengths_and_worries",),
        "Demo: Morgan named what she wants for Ava and Leo.",
        None,
    ),
    (
        2,
        1,
        21,
        SOCIAL_WORKER_NORTH,
        "attended",
        3,
        ("engagement_and_goals",),
        ("goals_ladder",),
        "Demo: goals agreed; Morgan chose to start with the children's routines.",
        None,
    ),
    (
        3,
        1,
        14,
        DA_VICTIM_WORKER_NORTH,
        "did_not_attend",
        None,
        (),
        (),
        "Demo: Morgan was not at home for the planned visit; a letter was left.",
        None,
    ),
    (
        4,
        1,
        7,
        DA_VICTIM_WORKER_NORTH,
        "attended",
        4,
        ("domestic_abuse",),
        ("safety_plan",),
        "Demo: a safety plan was made with Morgan.",
        "Demo restricted detail: disclosure about the night of the incident, for DA workers.",
    ),
    (
        6,
        2,
        20,
        SOCIAL_WORKER_NORTH,
        "attended",
        4,
        ("relationships",),
        (),
        "Demo: the parents described how they share the evening routine.",
        None,
    ),
    (
        5,
        2,
        10,
        MENTAL_HEALTH_NORTH,
        "attended",
        5,
        ("emotional_wellbeing",),
        ("mood_thermometer",),
        "Demo: the family talked about how the week had felt.",
        None,
    ),
)
# (coding number, session number, coder, globals (CCT, SST, partnership, empathy),
#  counts (GI, persuade, PwP, Q, SR, CR, affirm, seek, autonomy, confront))
CODINGS: Final = (
    (1, 1, SOCIAL_WORKER_NORTH, (4, 3, 4, 4), (6, 1, 1, 12, 9, 6, 3, 2, 2, 0)),
    (2, 1, MANAGER_NORTH, (3, 3, 4, 4), (6, 2, 1, 12, 9, 4, 2, 2, 1, 1)),
    (3, 2, SOCIAL_WORKER_NORTH, (4, 4, 4, 5), (4, 0, 2, 8, 8, 8, 4, 3, 2, 0)),
    (4, 4, MANAGER_NORTH, (3, 2, 3, 3), (9, 3, 0, 15, 6, 2, 1, 1, 0, 2)),
)
COUNT_NAMES: Final = (
    "giving_information",
    "persuade",
    "persuade_with_permission",
    "question",
    "simple_reflection",
    "complex_reflection",
    "affirm",
    "seeking_collaboration",
    "emphasizing_autonomy",
    "confront",
)


async def _tell(
    session: AsyncSession,
    case_id: UUID,
    type_: str,
    subject: str,
    data: dict[str, object],
    at: datetime,
    title: str,
    summary: str | None,
) -> None:
    """The domain event and the chronology item a real request would have published."""
    await publish(
        session,
        kernel.outbox_event,
        type=type_,
        source=SOURCE,
        subject=subject,
        data={"case_id": case_id, **data},
        team_id=TEAM_NORTH,
    )
    item = ChronologyContribution(case_id=case_id, occurred_at=at, title=title, summary=summary)
    await publish(
        session,
        kernel.outbox_event,
        type=CHRONOLOGY,
        source=SOURCE,
        subject=subject,
        data=item.model_dump(mode="json"),
        team_id=TEAM_NORTH,
    )


def _enrolments(now: datetime, modules: list[str]) -> list[Enrolment]:
    workers = {"domestic_abuse": DA_VICTIM_WORKER_NORTH, "substance_use": RECOVERY_WORKER_NORTH}
    started = now - timedelta(days=30)
    ashdown = Enrolment(
        id=demo_id(2, 1),
        case_id=ASHDOWN_CASE,
        programme_version_id=PROGRAMME,
        participant="parent",
        person_id=ASHDOWN_MORGAN,
        lead_worker_id=SOCIAL_WORKER_NORTH,
        status="active",
        enrolled_at=started,
        enrolled_by=SOCIAL_WORKER_NORTH,
        version=2,
    )
    ashdown.modules = [
        PlannedModule(
            module_code=code,
            position=position,
            worker_id=workers.get(code, SOCIAL_WORKER_NORTH),
            due_on=ENGLAND.deadline(started, 10 * position),
            status="not_started",
        )
        for position, code in enumerate(modules, start=1)
    ]
    brightwell = Enrolment(
        id=demo_id(2, 2),
        case_id=BRIGHTWELL_CASE,
        programme_version_id=PROGRAMME,
        participant="family",
        person_id=None,
        lead_worker_id=SOCIAL_WORKER_NORTH,
        status="active",
        enrolled_at=now - timedelta(days=24),
        enrolled_by=SOCIAL_WORKER_NORTH,
        version=1,
    )
    brightwell.modules = [
        PlannedModule(
            module_code=code,
            position=position,
            worker_id=MENTAL_HEALTH_NORTH if code == "emotional_wellbeing" else SOCIAL_WORKER_NORTH,
            due_on=None,
            status="not_started",
        )
        for position, code in enumerate(
            ("emotional_wellbeing", "relationships", "support_network"), start=1
        )
    ]
    return [ashdown, brightwell]


def _change(
    module: PlannedModule, to: str, by: UUID, at: datetime, session_id: UUID | None
) -> ProgressChange:
    """The progress history's record of a demo module's change."""
    return ProgressChange(
        id=uuid5(module.enrolment_id, f"{module.module_code}:{to}"),
        enrolment_id=module.enrolment_id,
        module_code=module.module_code,
        from_status=module.status,
        to_status=to,
        reason=None,
        changed_by=by,
        changed_at=at,
        session_id=session_id,
    )


async def seed_demo_programme(session: AsyncSession) -> None:
    """The example catalogue, two enrolments, six sessions and four codings, once."""
    if await session.scalar(select(ProgrammeVersion.id).where(ProgrammeVersion.id == PROGRAMME)):
        return
    now = datetime.now(UTC)
    definition = read_catalogue(EXAMPLE_CATALOGUE.read_bytes())
    session.add(
        ProgrammeVersion(
            id=PROGRAMME,
            code=definition.code,
            version=1,
            title=definition.title,
            notice=definition.notice,
            definition=definition.model_dump(mode="json"),
            source_format="yaml",
            loaded_by=ADMINISTRATOR,
            loaded_at=now - timedelta(days=60),
        )
    )
    await session.flush()
    titles = {m.code: m.title for m in definition.modules}
    enrolments = _enrolments(now, [m.code for m in definition.modules])
    session.add_all(enrolments)
    await session.flush()
    for enrolment in enrolments:
        planned = ", ".join(titles[m.module_code] for m in enrolment.modules)
        await _tell(
            session,
            enrolment.case_id,
            ENROLLED,
            f"cases/{enrolment.case_id}/enrolments/{enrolment.id}",
            {"enrolment_id": enrolment.id, "programme_id": PROGRAMME, "demo": True},
            enrolment.enrolled_at,
            f"Enrolled on {definition.title} (version 1)",
            f"Demo enrolment. Planned modules, in order: {planned}.",
        )
    by_id = {e.id: e for e in enrolments}
    for (
        number,
        enrolment_no,
        days_ago,
        worker,
        attendance,
        engagement,
        modules,
        tools,
        summary,
        detail,
    ) in SESSIONS:
        enrolment = by_id[demo_id(2, enrolment_no)]
        held_on: date = (now - timedelta(days=days_ago)).date()
        logged = ProgrammeSession(
            id=demo_id(3, number),
            enrolment_id=enrolment.id,
            case_id=enrolment.case_id,
            held_on=held_on,
            worker_id=worker,
            attendance=attendance,
            engagement=engagement,
            module_codes=list(modules),
            tool_codes=list(tools),
            summary=summary,
            restricted_detail=detail,
            recorded_by=worker,
            recorded_by_discipline=DISCIPLINES[worker],
            recorded_at=now - timedelta(days=days_ago, hours=-3),
        )
        session.add(logged)
        for module in enrolment.modules:
            if module.module_code in modules and attendance == "attended":
                if module.status == "not_started":
                    session.add(
                        _change(module, "in_progress", worker, logged.recorded_at, logged.id)
                    )
                module.status = "in_progress"
                module.status_changed_at = logged.recorded_at
        covered = ", ".join(titles[code] for code in modules)
        await _tell(
            session,
            enrolment.case_id,
            SESSION_LOGGED,
            f"cases/{enrolment.case_id}/enrolments/{enrolment.id}/sessions/{logged.id}",
            {"enrolment_id": enrolment.id, "session_id": logged.id, "attendance": attendance},
            datetime.combine(held_on, time(12), tzinfo=LONDON),
            f"Programme session ({ATTENDANCE_WORDS[attendance]})"
            + (f": {covered}" if covered else ""),
            summary,
        )
    ashdown = by_id[demo_id(2, 1)]
    first = ashdown.modules[0]
    completed_at = now - timedelta(days=20)
    session.add(_change(first, "completed", SOCIAL_WORKER_NORTH, completed_at, None))
    first.status, first.completed_at = "completed", completed_at
    first.status_changed_at, first.status_changed_by = first.completed_at, SOCIAL_WORKER_NORTH
    await _tell(
        session,
        ashdown.case_id,
        MODULE_COMPLETED,
        f"cases/{ashdown.case_id}/enrolments/{ashdown.id}",
        {"enrolment_id": ashdown.id, "module_code": first.module_code},
        first.completed_at,
        f"Programme module completed: {titles[first.module_code]}",
        None,
    )
    await session.flush()
    for number, session_no, coder, scores, counts in CODINGS:
        logged_worker = next(s[3] for s in SESSIONS if s[0] == session_no)
        session.add(
            MitiCoding(
                id=demo_id(4, number),
                session_id=demo_id(3, session_no),
                coder_id=coder,
                coder_role="worker" if coder == logged_worker else "observer",
                cultivating_change_talk=scores[0],
                softening_sustain_talk=scores[1],
                partnership=scores[2],
                empathy=scores[3],
                **dict(zip(COUNT_NAMES, counts, strict=True)),
            )
        )
    await session.flush()


async def seed_demo(session: AsyncSession) -> None:
    """Seed every domain's demo records that are not there yet."""
    await seed_demo_programme(session)
    await seed_demo_assessments(session)
