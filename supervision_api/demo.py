"""Synthetic Group Case Supervision for the demo teams, so `fsm run` shows GCS at once.

Team North has a cadence, a month of meetings and an overdue case:
- five weeks ago, a GCS on the Ashdown and Brightwell families, both records final, with
  decisions and an action on the Ashdown case still open (it carries forward);
- nine days ago, a GCS on the Brightwell family alone (its own cadence is fortnightly), final;
- next week, a GCS on the Ashdown family, whose last GCS is more than 28 days ago (overdue),
  its draft record already carrying the open action;
- recurring slots and an absence (schedule/demo.py), so a proposal shows at once.
Ids are fixed, so a second run adds nothing. The people and cases are the directory's and the
workbook's demo records (their ids are repeated here: units never import each other).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.working_days import LONDON
from supervision_api.cadence.models import CaseCadence, TeamCadence
from supervision_api.meetings.events import publish_meeting_event
from supervision_api.meetings.models import Meeting, MeetingCase, MeetingChange, MeetingInvitee
from supervision_api.records.events import publish_finalised
from supervision_api.records.models import CaseRecord, Decision, GcsAction, WorkerUpdate
from supervision_api.records.service import action_view
from supervision_api.schedule.demo import seed_schedule

# The directory's demo teams and people (gateway/directory/demo.py).
TEAM_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000001")
MANAGER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000101")
SOCIAL_WORKER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000102")
DA_VICTIM_WORKER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000103")
RECOVERY_WORKER_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000104")
MENTAL_HEALTH_NORTH: Final = UUID("d3a0f5e1-0000-4000-8000-000000000105")
# The workbook's demo cases (workbook_api/demo.py: demo_id(3, n)) and who is allocated.
ASHDOWN_CASE: Final = UUID("d3a0f5e1-0001-4000-8003-000000000001")
BRIGHTWELL_CASE: Final = UUID("d3a0f5e1-0001-4000-8003-000000000002")
ALLOCATED: Final = {
    ASHDOWN_CASE: (SOCIAL_WORKER_NORTH, DA_VICTIM_WORKER_NORTH, RECOVERY_WORKER_NORTH),
    BRIGHTWELL_CASE: (SOCIAL_WORKER_NORTH, MENTAL_HEALTH_NORTH, RECOVERY_WORKER_NORTH),
}
DISCIPLINES: Final = {
    SOCIAL_WORKER_NORTH: "social_worker",
    DA_VICTIM_WORKER_NORTH: "da_victim_worker",
    RECOVERY_WORKER_NORTH: "recovery_worker",
    MENTAL_HEALTH_NORTH: "mental_health_practitioner",
}


def demo_id(kind: int, number: int) -> UUID:
    """A fixed supervision demo id: kind 1 meeting, 2 record, 3 decision, 4 action."""
    return UUID(f"d3a0f5e1-0002-4000-8{kind:03d}-{number:012d}")


@dataclass(frozen=True)
class DemoRecord:
    case_id: UUID
    lived_experience: str
    worried_about: str
    working_well: str
    needs_to_happen: str
    scaling: int
    decision: str
    rationale: str


@dataclass(frozen=True)
class DemoMeeting:
    number: int
    days_from_today: int
    records: tuple[DemoRecord, ...]
    final: bool


ASHDOWN_FIRST = DemoRecord(
    ASHDOWN_CASE,
    "Ava says home is quieter but she worries when Riley has been drinking.",
    "Two police call-outs this month; Riley's drinking at weekends.",
    "Morgan has kept every appointment and the children attend school daily.",
    "A weekend safety plan agreed with both parents; Riley to start recovery work.",
    4,
    "The children remain subject to a child protection plan.",
    "Risk at weekends is not yet reduced; Riley has not yet engaged with recovery work.",
)
BRIGHTWELL_FIRST = DemoRecord(
    BRIGHTWELL_CASE,
    "Noah describes feeling responsible for his mother's low mood.",
    "Casey's mental health has deteriorated since the summer.",
    "Jordan has taken on the school runs; Noah has a trusted teacher.",
    "Casey to see the perinatal mental health team; young carers referral for Noah.",
    5,
    "Fortnightly group supervision until Casey's support is in place.",
    "The family's situation is changing quickly and needs closer review.",
)
BRIGHTWELL_SECOND = DemoRecord(
    BRIGHTWELL_CASE,
    "Noah has joined the young carers' group and says he enjoys it.",
    "Casey's appointments are still being arranged.",
    "Noah's attendance is back to 98%; Jordan is coping well.",
    "Confirm Casey's first appointment date.",
    6,
    "Continue under the child in need plan.",
    "Protective factors are holding and both parents are engaging.",
)
MEETINGS: Final = (
    DemoMeeting(1, -35, (ASHDOWN_FIRST, BRIGHTWELL_FIRST), final=True),
    DemoMeeting(2, -9, (BRIGHTWELL_SECOND,), final=True),
    DemoMeeting(3, 7, (), final=False),
)


def _at_ten(today: date, days: int) -> datetime:
    day = today + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(10), tzinfo=LONDON).astimezone(UTC)


async def _book(
    session: AsyncSession, spec: DemoMeeting, case_ids: list[UUID], now: datetime
) -> Meeting:
    starts = _at_ten(now.astimezone(LONDON).date(), spec.days_from_today)
    meeting = Meeting(
        id=demo_id(1, spec.number),
        team_id=TEAM_NORTH,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place="Team North, meeting room 1 (demo)",
        chair_id=MANAGER_NORTH,
        status="scheduled",
        sequence=0,
        booked_by=MANAGER_NORTH,
    )
    session.add(meeting)
    await session.flush()
    invited = [MANAGER_NORTH]
    for position, case_id in enumerate(case_ids, start=1):
        session.add(MeetingCase(meeting_id=meeting.id, case_id=case_id, position=position))
        invited += [p for p in ALLOCATED[case_id] if p not in invited]
    for practitioner_id in invited:
        session.add(
            MeetingInvitee(
                meeting_id=meeting.id,
                practitioner_id=practitioner_id,
                invited_as="chair" if practitioner_id == MANAGER_NORTH else "allocated",
                attendance="attended" if spec.final else "invited",
            )
        )
    session.add(
        MeetingChange(
            meeting_id=meeting.id,
            change="booked",
            sequence=0,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            place=meeting.place,
            changed_by=MANAGER_NORTH,
        )
    )
    await session.flush()
    await publish_meeting_event(session, "booked", meeting, case_ids, invited)
    return meeting


async def _record(session: AsyncSession, meeting: Meeting, number: int, spec: DemoRecord) -> None:
    record = CaseRecord(
        id=demo_id(2, number),
        meeting_id=meeting.id,
        case_id=spec.case_id,
        lived_experience=spec.lived_experience,
        worried_about=spec.worried_about,
        working_well=spec.working_well,
        needs_to_happen=spec.needs_to_happen,
        scaling=spec.scaling,
        status="draft",
    )
    session.add(record)
    await session.flush()
    for worker in ALLOCATED[spec.case_id]:
        session.add(
            WorkerUpdate(
                record_id=record.id,
                practitioner_id=worker,
                discipline=DISCIPLINES[worker],
                update="Demo: my update on the family since the last supervision.",
            )
        )
    decision = Decision(
        id=demo_id(3, number),
        record_id=record.id,
        decision=spec.decision,
        rationale=spec.rationale,
        decision_maker_id=MANAGER_NORTH,
        recorded_by=MANAGER_NORTH,
    )
    session.add(decision)
    session.add(
        GcsAction(
            id=demo_id(4, number),
            case_id=spec.case_id,
            record_id=record.id,
            description=f"Demo: {spec.needs_to_happen}",
            owner_id=SOCIAL_WORKER_NORTH,
            due_on=meeting.starts_at.date() + timedelta(days=14),
            status="open",
        )
    )
    await session.flush()
    carried = await session.scalars(
        select(GcsAction)
        .join(CaseRecord, CaseRecord.id == GcsAction.record_id)
        .where(
            GcsAction.case_id == spec.case_id,
            GcsAction.status == "open",
            CaseRecord.id != record.id,
        )
    )
    record.carried_forward = [action_view(a).model_dump(mode="json") for a in carried]
    record.status = "final"
    record.finalised_at = meeting.ends_at
    record.finalised_by = MANAGER_NORTH
    record.revision = 1
    await session.flush()
    await publish_finalised(session, record, meeting, [decision])


async def seed_demo(session: AsyncSession) -> None:
    """Team North's cadence, a month of meetings and records, slots and an absence; nothing
    twice."""
    await seed_schedule(session)
    if await session.get(Meeting, demo_id(1, 1)) is not None:
        return
    now = datetime.now(UTC)
    session.add(
        TeamCadence(
            team_id=TEAM_NORTH,
            interval_days=28,
            first_due_working_days=10,
            due_soon_working_days=5,
            updated_by=MANAGER_NORTH,
        )
    )
    session.add(CaseCadence(case_id=BRIGHTWELL_CASE, interval_days=14, updated_by=MANAGER_NORTH))
    await session.flush()
    number = 0
    for spec in MEETINGS:
        if spec.number == 2:
            # Brightwell's first action was done before its second meeting.
            done = await session.get(GcsAction, demo_id(4, 2))
            assert done is not None
            done.status = "done"
            done.closed_at = now - timedelta(days=12)
            done.closed_by = SOCIAL_WORKER_NORTH
        case_ids = [r.case_id for r in spec.records] or [ASHDOWN_CASE]
        meeting = await _book(session, spec, case_ids, now)
        if not spec.final:
            session.add(CaseRecord(meeting_id=meeting.id, case_id=ASHDOWN_CASE, status="draft"))
            continue
        for record in spec.records:
            number += 1
            await _record(session, meeting, number, record)
            cadence = await session.get(CaseCadence, record.case_id)
            if cadence is None:
                session.add(CaseCadence(case_id=record.case_id, last_gcs_at=meeting.starts_at))
            else:
                cadence.last_gcs_at = meeting.starts_at
            await session.flush()
