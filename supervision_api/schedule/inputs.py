"""The scheduler's question for one team, built from this unit's own tables.

Sessions come from the team's slots (`sessions.py`); the due cases are the team's open cases
due by the window's last day and not already booked (a scheduled meeting whose record of them
is still a draft), each with its due date from cadence, the chair, and the workers allocated
now as the projection has them; everyone's busy time is their scheduled meetings in any team
and their absences. The same gathering serves proposing and the re-check on acceptance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.principal import Principal
from supervision_api.cadence import repository as cadence
from supervision_api.cadence.due import due_on
from supervision_api.cadence.service import effective
from supervision_api.schedule import repository
from supervision_api.schedule.sessions import Session, SlotRule, expand, local_start
from supervision_api.scheduling import Busy, DueCase, PlanningWindow, Problem, Slot


@dataclass
class TeamInputs:
    """What a team's proposal is built from, by id."""

    team_id: UUID
    chair_id: UUID
    first_day: date
    last_day: date
    sessions: dict[str, Session]
    open_cases: set[UUID]
    booked: set[UUID]
    due: dict[UUID, date]
    workers: dict[UUID, frozenset[UUID]]
    busy: list[Busy] = field(default_factory=list)

    def attendees(self, case_ids: list[UUID]) -> set[UUID]:
        """The chair and everyone allocated now to these cases."""
        people = {self.chair_id}
        for case_id in case_ids:
            people |= self.workers.get(case_id, frozenset())
        return people

    def problem(self) -> Problem:
        """The scheduler's question."""
        return Problem(
            window=PlanningWindow(self.first_day, self.last_day),
            slots=tuple(
                Slot(key, session.starts_at, session.ends_at, session.capacity)
                for key, session in self.sessions.items()
            ),
            cases=tuple(
                DueCase(
                    case_id=str(case_id),
                    due=due,
                    chair=str(self.chair_id),
                    workers=frozenset(str(worker) for worker in self.workers.get(case_id, ())),
                )
                for case_id, due in sorted(self.due.items(), key=lambda item: str(item[0]))
            ),
            busy=tuple(self.busy),
        )


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in England."""
    return local_start(day, time(0))


async def gather(
    session: AsyncSession,
    principal: Principal,
    *,
    team_id: UUID,
    chair_id: UUID,
    first_day: date,
    last_day: date,
) -> TeamInputs:
    """Read the team's slots, due cases, allocations, meetings and absences for the window."""
    rules = [
        SlotRule(
            slot_id=slot.id,
            weekday=slot.weekday,
            starts_at=slot.starts_at,
            duration_minutes=slot.duration_minutes,
            place=slot.place,
            capacity=slot.capacity,
            valid_from=slot.valid_from,
            valid_to=slot.valid_to,
        )
        for slot in await repository.slots(session, team_id)
    ]
    sessions = {s.key: s for s in expand(rules, first_day, last_day)}
    rows = await cadence.open_cases(session, principal, team_id=team_id)
    setting = (await cadence.team_cadences(session, {team_id})).get(team_id)
    due_by_case = {
        row.id: due_on(
            effective(
                setting, case_interval=row.interval_days, case_first_due=row.first_due_working_days
            ),
            row.opened_at,
            row.last_gcs_at,
        )
        for row in rows
    }
    booked = await repository.booked_cases(session, due_by_case)
    due = {
        case_id: day
        for case_id, day in due_by_case.items()
        if day <= last_day and case_id not in booked
    }
    allocated = await repository.allocated_now(session, due)
    inputs = TeamInputs(
        team_id=team_id,
        chair_id=chair_id,
        first_day=first_day,
        last_day=last_day,
        sessions=sessions,
        open_cases=set(due_by_case),
        booked=booked,
        due=due,
        workers={case_id: frozenset(allocated.get(case_id, set())) for case_id in due},
    )
    people = inputs.attendees(list(due))
    start, end = day_start(first_day), day_start(last_day + timedelta(days=1))
    for person, starts, ends in await repository.meetings_of(session, people, start, end):
        inputs.busy.append(Busy(str(person), starts, ends, "meeting"))
    for absence in await repository.absences_of(session, people, first_day, last_day):
        inputs.busy.append(
            Busy(
                str(absence.practitioner_id),
                day_start(absence.first_day),
                day_start(absence.last_day + timedelta(days=1)),
                "absence",
            )
        )
    return inputs
