"""Slots (a team's managers keep them) and absences (practitioners record their own; managers
those of their team's members), and the team's schedule as a whole."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import Forbidden, invalid
from services.principal import Principal
from services.working_days import local_date
from supervision_api.schedule import repository
from supervision_api.schedule.dependencies import AbsenceAccess, TeamSlot
from supervision_api.schedule.models import Absence, MeetingSlot
from supervision_api.schedule.schemas import (
    MAX_ABSENCE_DAYS,
    WEEKDAYS,
    AbsenceIn,
    AbsenceList,
    AbsenceOut,
    SessionOut,
    SlotIn,
    SlotOut,
    TeamSchedule,
)
from supervision_api.schedule.sessions import SlotRule, expand
from supervision_api.teams.dependencies import ManagedTeam


def slot_view(slot: MeetingSlot) -> SlotOut:
    """A slot as the API shows it."""
    return SlotOut(
        id=slot.id,
        team_id=slot.team_id,
        weekday=WEEKDAYS[slot.weekday],
        starts_at=slot.starts_at.strftime("%H:%M"),
        duration_minutes=slot.duration_minutes,
        place=slot.place,
        capacity=slot.capacity,
        valid_from=slot.valid_from,
        valid_to=slot.valid_to,
        created_by=slot.created_by,
        created_at=slot.created_at,
    )


def absence_view(absence: Absence) -> AbsenceOut:
    """An absence as the API shows it."""
    return AbsenceOut(
        id=absence.id,
        practitioner_id=absence.practitioner_id,
        first_day=absence.first_day,
        last_day=absence.last_day,
        recorded_by=absence.recorded_by,
        recorded_at=absence.recorded_at,
    )


async def today(session: AsyncSession) -> date:
    """Today in England, on the transaction's clock."""
    return local_date(await transaction_now(session))


def rule(slot: MeetingSlot) -> SlotRule:
    return SlotRule(
        slot_id=slot.id,
        weekday=slot.weekday,
        starts_at=slot.starts_at,
        duration_minutes=slot.duration_minutes,
        place=slot.place,
        capacity=slot.capacity,
        valid_from=slot.valid_from,
        valid_to=slot.valid_to,
    )


async def team_schedule(session: AsyncSession, team: ManagedTeam, weeks: int) -> TeamSchedule:
    """The team's slots, their sessions from today for `weeks`, and its members' absences."""
    first_day = await today(session)
    last_day = first_day + timedelta(weeks=weeks)
    slots = await repository.slots(session, team.id)
    sessions = expand([rule(slot) for slot in slots], first_day, last_day)
    absences = await repository.team_absences(session, team.id, first_day, last_day, first_day)
    return TeamSchedule(
        team_id=team.id,
        first_day=first_day,
        last_day=last_day,
        slots=[slot_view(slot) for slot in slots],
        sessions=[
            SessionOut(
                session_id=s.key,
                slot_id=s.slot_id,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                place=s.place,
                capacity=s.capacity,
            )
            for s in sessions
        ],
        absences=[absence_view(absence) for absence in absences],
    )


async def add_slot(session: AsyncSession, team: ManagedTeam, body: SlotIn) -> MeetingSlot:
    """Keep a new recurring slot for the team."""
    valid_from = body.valid_from or await today(session)
    if body.valid_to is not None and body.valid_to < valid_from:
        raise invalid(
            "body", "valid_to", message="A slot ends on or after it starts.", code="valid_range"
        )
    slot = MeetingSlot(
        team_id=team.id,
        weekday=WEEKDAYS.index(body.weekday),
        starts_at=body.start_time(),
        duration_minutes=body.duration_minutes,
        place=body.place,
        capacity=body.capacity,
        valid_from=valid_from,
        valid_to=body.valid_to,
        created_by=team.principal.practitioner_id,
    )
    session.add(slot)
    await session.flush()
    await session.refresh(slot)
    return slot


async def remove_slot(session: AsyncSession, slot: TeamSlot) -> None:
    """Stop offering the slot. Meetings booked in its sessions stay booked (they are moved or
    cancelled on their own); stored proposals keep what they proposed."""
    await session.delete(slot.slot)
    await session.flush()


async def record_absence(session: AsyncSession, principal: Principal, body: AbsenceIn) -> Absence:
    """Record the caller's own absence, or (a manager) a member of a team they manage."""
    if body.last_day < body.first_day:
        raise invalid(
            "body", "last_day", message="An absence ends on or after it starts.", code="day_range"
        )
    if (body.last_day - body.first_day).days >= MAX_ABSENCE_DAYS:
        raise invalid(
            "body", "last_day", message="An absence spans at most 366 days.", code="too_long"
        )
    whose = body.practitioner_id or principal.practitioner_id
    if whose != principal.practitioner_id and not await repository.is_member(
        session, whose, principal.managed_team_ids, await today(session)
    ):
        raise Forbidden("You record absences for yourself, and for members of a team you manage.")
    absence = Absence(
        practitioner_id=whose,
        first_day=body.first_day,
        last_day=body.last_day,
        recorded_by=principal.practitioner_id,
    )
    session.add(absence)
    await session.flush()
    await session.refresh(absence)
    return absence


async def my_absences(session: AsyncSession, principal: Principal) -> AbsenceList:
    """The caller's absences from today on."""
    found = await repository.own_absences(session, principal.practitioner_id, await today(session))
    return AbsenceList(items=[absence_view(absence) for absence in found])


async def withdraw_absence(session: AsyncSession, access: AbsenceAccess) -> None:
    """Withdraw an absence recorded in error or no longer happening."""
    await session.delete(access.absence)
    await session.flush()
