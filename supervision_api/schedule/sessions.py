"""A team's recurring slots expanded into dated sessions: working days only, local times.

A slot says "Tuesdays at 10:00 in room 1"; a session is one Tuesday's meeting. Sessions fall
only on England's working days (a Tuesday that is a bank holiday has none), and the start is
10:00 on that day in Europe/London, whatever the offset: 09:00 UTC in summer, 10:00 UTC in
winter. The end is the start plus the slot's length in elapsed time, so a session is always as
long as the slot says, even on the night the clocks change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from services.working_days import ENGLAND, LONDON, WorkingCalendar


@dataclass(frozen=True, slots=True)
class SlotRule:
    """What the expansion needs of a slot."""

    slot_id: UUID
    weekday: int
    starts_at: time
    duration_minutes: int
    place: str
    capacity: int
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class Session:
    """One dated session of a slot."""

    slot_id: UUID
    day: date
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int

    @property
    def key(self) -> str:
        """The session's id in a proposal: its slot and its day."""
        return f"{self.slot_id}:{self.day.isoformat()}"


def local_start(day: date, at: time) -> datetime:
    """`at` on `day` in England, as an instant in UTC.

    A wall time the spring change skips (01:30 on its Sunday) does not occur on a working day,
    and one the autumn change repeats is read as its first (summer) occurrence.
    """
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def expand(
    rules: list[SlotRule],
    first_day: date,
    last_day: date,
    calendar: WorkingCalendar = ENGLAND,
) -> list[Session]:
    """Every session of the slots from `first_day` to `last_day` (both included), in time
    order."""
    sessions: list[Session] = []
    day = first_day
    while day <= last_day:
        if calendar.is_working_day(day):
            for rule in rules:
                in_force = rule.valid_from <= day and (
                    rule.valid_to is None or day <= rule.valid_to
                )
                if rule.weekday == day.weekday() and in_force:
                    start = local_start(day, rule.starts_at)
                    sessions.append(
                        Session(
                            slot_id=rule.slot_id,
                            day=day,
                            starts_at=start,
                            ends_at=start + timedelta(minutes=rule.duration_minutes),
                            place=rule.place,
                            capacity=rule.capacity,
                        )
                    )
        day += timedelta(days=1)
    sessions.sort(key=lambda session: (session.starts_at, str(session.slot_id)))
    return sessions
