"""Small helpers to write scheduling problems by hand: sessions and busy times on a day in
England, in March 2027 (no bank holiday, no change of clocks)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from supervision_api.scheduling import Busy, BusyKind, DueCase, Slot

LONDON = ZoneInfo("Europe/London")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def session(slot_id: str, day: date, capacity: int = 4, hour: int = 10, hours: int = 2) -> Slot:
    return Slot(slot_id=slot_id, start=at(day, hour), end=at(day, hour + hours), capacity=capacity)


def case(
    case_id: str,
    due: date,
    *workers: str,
    chair: str = "manager",
    not_before: date | None = None,
) -> DueCase:
    return DueCase(
        case_id=case_id,
        due=due,
        chair=chair,
        workers=frozenset(workers),
        not_before=not_before,
    )


def away(person: str, day: date, kind: BusyKind = "absence") -> Busy:
    """The person away all working day."""
    return Busy(person=person, start=at(day, 8), end=at(day, 18), kind=kind)
