"""SQL for slots, absences, proposals and what a proposal is built from.

Cases, allocations, memberships and names come from the case projection (never the
workbook's or the directory's tables); meetings and invitees are this unit's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.pagination import Keyset, PageRequest, aware_datetime, uuid_value
from services.projection.access import allocation_current
from supervision_api.meetings.models import Meeting, MeetingCase, MeetingInvitee
from supervision_api.models import projection
from supervision_api.records.models import CaseRecord
from supervision_api.schedule.models import Absence, MeetingSlot, ScheduleProposal

allocations = projection.tables.allocations
practitioners = projection.tables.practitioners
memberships = projection.tables.memberships


async def slots(session: AsyncSession, team_id: UUID) -> Sequence[MeetingSlot]:
    """The team's slots, by weekday and time."""
    query = (
        select(MeetingSlot)
        .where(MeetingSlot.team_id == team_id)
        .order_by(MeetingSlot.weekday, MeetingSlot.starts_at, MeetingSlot.id)
    )
    return (await session.scalars(query)).all()


async def load_slot(session: AsyncSession, team_id: UUID, slot_id: UUID) -> MeetingSlot | None:
    """One of the team's slots, locked for a change."""
    query = (
        select(MeetingSlot)
        .where(MeetingSlot.id == slot_id, MeetingSlot.team_id == team_id)
        .with_for_update()
    )
    return (await session.scalars(query)).one_or_none()


def _member_of(team_id: UUID, on: date) -> ColumnElement[bool]:
    return and_(
        memberships.c.team_id == team_id,
        or_(memberships.c.valid_from.is_(None), memberships.c.valid_from <= on),
        or_(memberships.c.valid_to.is_(None), memberships.c.valid_to > on),
    )


async def is_member(
    session: AsyncSession, practitioner_id: UUID, team_ids: Iterable[UUID], on: date
) -> bool:
    """The practitioner belongs, on `on`, to one of these teams, as the directory announced."""
    team_ids = list(team_ids)
    if not team_ids:
        return False
    query = (
        select(memberships.c.practitioner_id)
        .where(
            memberships.c.practitioner_id == practitioner_id,
            memberships.c.team_id.in_(team_ids),
            or_(memberships.c.valid_from.is_(None), memberships.c.valid_from <= on),
            or_(memberships.c.valid_to.is_(None), memberships.c.valid_to > on),
        )
        .limit(1)
    )
    return (await session.scalar(query)) is not None


async def manages_team(
    session: AsyncSession, practitioner_id: UUID, team_id: UUID, on: date
) -> bool:
    """The practitioner is active and a manager of the team on `on`, as the directory announced."""
    query = (
        select(memberships.c.practitioner_id)
        .join(practitioners, practitioners.c.id == memberships.c.practitioner_id)
        .where(
            memberships.c.practitioner_id == practitioner_id,
            memberships.c.role_in_team == "manager",
            practitioners.c.active.is_(True),
            _member_of(team_id, on),
        )
        .limit(1)
    )
    return (await session.scalar(query)) is not None


async def team_absences(
    session: AsyncSession, team_id: UUID, first_day: date, last_day: date, on: date
) -> Sequence[Absence]:
    """Absences overlapping the window of the team's members on `on`."""
    members = select(memberships.c.practitioner_id).where(_member_of(team_id, on))
    query = (
        select(Absence)
        .where(
            Absence.practitioner_id.in_(members),
            Absence.first_day <= last_day,
            Absence.last_day >= first_day,
        )
        .order_by(Absence.first_day, Absence.practitioner_id, Absence.id)
    )
    return (await session.scalars(query)).all()


async def absences_of(
    session: AsyncSession, practitioner_ids: Iterable[UUID], first_day: date, last_day: date
) -> Sequence[Absence]:
    """These practitioners' absences overlapping the window."""
    query = (
        select(Absence)
        .where(
            Absence.practitioner_id.in_(list(practitioner_ids)),
            Absence.first_day <= last_day,
            Absence.last_day >= first_day,
        )
        .order_by(Absence.first_day, Absence.practitioner_id, Absence.id)
    )
    return (await session.scalars(query)).all()


async def own_absences(
    session: AsyncSession, practitioner_id: UUID, since: date
) -> Sequence[Absence]:
    """The practitioner's absences that end on or after `since`."""
    query = (
        select(Absence)
        .where(Absence.practitioner_id == practitioner_id, Absence.last_day >= since)
        .order_by(Absence.first_day, Absence.id)
    )
    return (await session.scalars(query)).all()


async def load_absence(session: AsyncSession, absence_id: UUID) -> Absence | None:
    """An absence, locked for a change (who may see it is the caller's to decide)."""
    return await session.get(Absence, absence_id, with_for_update=True)


async def booked_cases(session: AsyncSession, case_ids: Iterable[UUID]) -> set[UUID]:
    """Cases already on a scheduled meeting whose record of them is not yet final: booked for
    their next GCS, or held and waiting to be finalised."""
    query = (
        select(MeetingCase.case_id)
        .join(Meeting, Meeting.id == MeetingCase.meeting_id)
        .join(
            CaseRecord,
            and_(
                CaseRecord.meeting_id == MeetingCase.meeting_id,
                CaseRecord.case_id == MeetingCase.case_id,
            ),
        )
        .where(
            MeetingCase.case_id.in_(list(case_ids)),
            Meeting.status == "scheduled",
            CaseRecord.status == "draft",
        )
        .distinct()
    )
    return set(await session.scalars(query))


async def allocated_now(session: AsyncSession, case_ids: Iterable[UUID]) -> dict[UUID, set[UUID]]:
    """Who is allocated now to each of these cases."""
    query = select(allocations.c.case_id, allocations.c.practitioner_id).where(
        allocations.c.case_id.in_(list(case_ids)), allocation_current(allocations)
    )
    found: dict[UUID, set[UUID]] = {}
    for case_id, practitioner_id in (await session.execute(query)).all():
        found.setdefault(case_id, set()).add(practitioner_id)
    return found


async def meetings_of(
    session: AsyncSession, practitioner_ids: Iterable[UUID], start: datetime, end: datetime
) -> list[tuple[UUID, datetime, datetime]]:
    """Every scheduled meeting (of any team) these practitioners are invited to or chair,
    overlapping the interval: (practitioner, start, end)."""
    people = list(practitioner_ids)
    invited = (
        select(MeetingInvitee.practitioner_id, Meeting.starts_at, Meeting.ends_at)
        .join(Meeting, Meeting.id == MeetingInvitee.meeting_id)
        .where(
            MeetingInvitee.practitioner_id.in_(people),
            Meeting.status == "scheduled",
            Meeting.starts_at < end,
            Meeting.ends_at > start,
        )
    )
    chaired = select(Meeting.chair_id, Meeting.starts_at, Meeting.ends_at).where(
        Meeting.chair_id.in_(people),
        Meeting.status == "scheduled",
        Meeting.starts_at < end,
        Meeting.ends_at > start,
    )
    rows = (await session.execute(invited.union(chaired))).all()
    return sorted((row[0], row[1], row[2]) for row in rows)


async def display_names(session: AsyncSession, ids: Iterable[UUID]) -> dict[UUID, str]:
    """Names as the directory announced them."""
    query = select(practitioners.c.id, practitioners.c.display_name).where(
        practitioners.c.id.in_(list(ids))
    )
    return {row[0]: row[1] for row in (await session.execute(query)).all()}


async def load_proposal(
    session: AsyncSession, team_id: UUID, proposal_id: UUID, *, lock: bool = False
) -> ScheduleProposal | None:
    """One of the team's proposals."""
    query = select(ScheduleProposal).where(
        ScheduleProposal.id == proposal_id, ScheduleProposal.team_id == team_id
    )
    if lock:
        # Read again under the lock: the copy loaded before it may be stale.
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(query)).one_or_none()


PROPOSALS_NEWEST_FIRST = Keyset(
    (ScheduleProposal.created_at, aware_datetime), (ScheduleProposal.id, uuid_value)
)


async def proposals_page(
    session: AsyncSession, team_id: UUID, page: PageRequest, status: str | None
) -> Sequence[ScheduleProposal]:
    """Up to `page.limit + 1` of the team's proposals after the cursor, newest first."""
    query = select(ScheduleProposal).where(ScheduleProposal.team_id == team_id)
    if status is not None:
        query = query.where(ScheduleProposal.status == status)
    return (await session.scalars(PROPOSALS_NEWEST_FIRST.apply(query, page))).all()


async def lock_team_schedule(session: AsyncSession, team_id: UUID) -> None:
    """Serialise acceptances for one team, so two proposals never book the same people twice."""
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtextextended(f"schedule:{team_id}", 0)))
    )
