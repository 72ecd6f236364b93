"""SQL for calendar feeds and the meetings they show."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.projection.access import allocation_current
from supervision_api.calendar.models import CalendarFeed
from supervision_api.meetings.models import Meeting, MeetingCase, MeetingChange, MeetingInvitee
from supervision_api.models import projection

allocations = projection.tables.allocations
practitioners = projection.tables.practitioners


async def live_feed(session: AsyncSession, practitioner_id: UUID) -> CalendarFeed | None:
    """The practitioner's live feed, if any."""
    query = select(CalendarFeed).where(
        CalendarFeed.practitioner_id == practitioner_id, CalendarFeed.revoked_at.is_(None)
    )
    return (await session.scalars(query)).one_or_none()


async def revoke(session: AsyncSession, practitioner_id: UUID) -> bool:
    """Revoke the practitioner's live feed; tell whether there was one."""
    result = await session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.practitioner_id == practitioner_id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=func.now())
        .returning(CalendarFeed.id)
    )
    return result.first() is not None


async def feed_by_secret(session: AsyncSession, secret_hash: str) -> CalendarFeed | None:
    """The live feed the secret opens, unless its practitioner has left."""
    inactive = select(practitioners.c.id).where(
        practitioners.c.id == CalendarFeed.practitioner_id, practitioners.c.active.is_(False)
    )
    query = select(CalendarFeed).where(
        CalendarFeed.secret_hash == secret_hash,
        CalendarFeed.revoked_at.is_(None),
        ~inactive.exists(),
    )
    return (await session.scalars(query)).one_or_none()


async def invited_meetings(
    session: AsyncSession, practitioner_id: UUID, since: datetime, until: datetime
) -> Sequence[tuple[Meeting, datetime]]:
    """Meetings the practitioner is invited to in the window, with when each last changed."""
    changed = (
        select(func.max(MeetingChange.changed_at))
        .where(MeetingChange.meeting_id == Meeting.id)
        .scalar_subquery()
    )
    query = (
        select(Meeting, changed)
        .join(MeetingInvitee, MeetingInvitee.meeting_id == Meeting.id)
        .where(
            MeetingInvitee.practitioner_id == practitioner_id,
            Meeting.starts_at >= since,
            Meeting.starts_at < until,
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]


async def their_cases(
    session: AsyncSession, practitioner_id: UUID, meeting_ids: Sequence[UUID]
) -> dict[UUID, list[UUID]]:
    """For each meeting, its agenda's cases the practitioner may reference: all of them for
    its chair, else those they are allocated to now."""
    allocated = select(allocations.c.case_id).where(
        allocations.c.practitioner_id == practitioner_id, allocation_current(allocations)
    )
    query = (
        select(MeetingCase.meeting_id, MeetingCase.case_id)
        .join(Meeting, Meeting.id == MeetingCase.meeting_id)
        .where(
            MeetingCase.meeting_id.in_(list(meeting_ids)),
            or_(Meeting.chair_id == practitioner_id, MeetingCase.case_id.in_(allocated)),
        )
        .order_by(MeetingCase.meeting_id, MeetingCase.position)
    )
    found: dict[UUID, list[UUID]] = {}
    for meeting_id, case_id in (await session.execute(query)).all():
        found.setdefault(meeting_id, []).append(case_id)
    return found
