"""SQL for meetings, with who may see them inside every query.

A meeting exists for the managers of its team and for whoever may see a case on its agenda
(the case projection's rule: the workers allocated to it, the team's auditors, the system of
record). Within a meeting, each caller sees only the agenda items of cases they may see.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.principal import Principal
from services.projection.access import allocation_current
from supervision_api.meetings.models import Meeting, MeetingCase, MeetingChange, MeetingInvitee
from supervision_api.models import projection

cases = projection.tables.cases
allocations = projection.tables.allocations
practitioners = projection.tables.practitioners
memberships = projection.tables.memberships
# The agenda's case column as a Core column, for the projection's rule.
AGENDA_CASE: ColumnElement[UUID] = MeetingCase.__table__.c.case_id


def meeting_visible(principal: Principal) -> ColumnElement[bool]:
    """A predicate on `Meeting`: the caller may see this meeting."""
    through_a_case = Meeting.id.in_(
        select(MeetingCase.meeting_id).where(projection.case_visible(principal, AGENDA_CASE))
    )
    if principal.managed_team_ids:
        return or_(Meeting.team_id.in_(principal.managed_team_ids), through_a_case)
    return through_a_case


async def load_meeting(
    session: AsyncSession, principal: Principal, meeting_id: UUID, *, lock: bool = False
) -> Meeting | None:
    """The meeting if the caller may see it."""
    query = select(Meeting).where(Meeting.id == meeting_id, meeting_visible(principal))
    if lock:
        query = query.with_for_update()
    return (await session.scalars(query)).one_or_none()


async def agenda(
    session: AsyncSession, principal: Principal, meeting_id: UUID
) -> Sequence[MeetingCase]:
    """The meeting's agenda items of cases the caller may see (all of them for its managers)."""
    query = select(MeetingCase).where(MeetingCase.meeting_id == meeting_id)
    if not principal.managed_team_ids:
        query = query.where(projection.case_visible(principal, AGENDA_CASE))
    else:
        query = query.where(
            or_(
                MeetingCase.meeting_id.in_(
                    select(Meeting.id).where(Meeting.team_id.in_(principal.managed_team_ids))
                ),
                projection.case_visible(principal, AGENDA_CASE),
            )
        )
    return (await session.scalars(query.order_by(MeetingCase.position))).all()


async def agenda_case_ids(session: AsyncSession, meeting_id: UUID) -> list[UUID]:
    """Every case on the meeting's agenda, in order (for events, never for a response)."""
    query = (
        select(MeetingCase.case_id)
        .where(MeetingCase.meeting_id == meeting_id)
        .order_by(MeetingCase.position)
    )
    return list(await session.scalars(query))


async def invitees(
    session: AsyncSession, meeting_id: UUID
) -> list[tuple[MeetingInvitee, str | None]]:
    """The meeting's invitees with their names as the directory announced them."""
    query = (
        select(MeetingInvitee, practitioners.c.display_name)
        .outerjoin(practitioners, practitioners.c.id == MeetingInvitee.practitioner_id)
        .where(MeetingInvitee.meeting_id == meeting_id)
        .order_by(MeetingInvitee.invited_as.desc(), MeetingInvitee.practitioner_id)
    )
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]


async def invitee(
    session: AsyncSession, meeting_id: UUID, practitioner_id: UUID
) -> MeetingInvitee | None:
    """One invitee of the meeting."""
    return await session.get(MeetingInvitee, (meeting_id, practitioner_id))


async def history(session: AsyncSession, meeting_id: UUID) -> Sequence[MeetingChange]:
    """The meeting's changes, oldest first."""
    query = (
        select(MeetingChange)
        .where(MeetingChange.meeting_id == meeting_id)
        .order_by(MeetingChange.sequence, MeetingChange.changed_at)
    )
    return (await session.scalars(query)).all()


async def list_meetings(
    session: AsyncSession,
    principal: Principal,
    *,
    starts_from: datetime,
    starts_before: datetime,
    team_id: UUID | None,
    case_id: UUID | None,
    limit: int,
) -> list[tuple[Meeting, int]]:
    """Meetings the caller may see starting in the window, with how many of their agenda's
    cases the caller may see."""
    seen = (
        select(func.count())
        .select_from(MeetingCase)
        .where(
            MeetingCase.meeting_id == Meeting.id,
            or_(
                Meeting.team_id.in_(principal.managed_team_ids),
                projection.case_visible(principal, AGENDA_CASE),
            ),
        )
        .scalar_subquery()
    )
    query = (
        select(Meeting, seen.label("case_count"))
        .where(
            meeting_visible(principal),
            Meeting.starts_at >= starts_from,
            Meeting.starts_at < starts_before,
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(limit)
    )
    if team_id is not None:
        query = query.where(Meeting.team_id == team_id)
    if case_id is not None:
        query = query.where(
            Meeting.id.in_(
                select(MeetingCase.meeting_id).where(
                    MeetingCase.case_id == case_id,
                    projection.case_visible(principal, AGENDA_CASE),
                )
            )
        )
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]


async def projected_cases(
    session: AsyncSession, case_ids: Iterable[UUID]
) -> dict[UUID, Row[Any, Any, Any]]:
    """The projection's cases among these ids: id, owning team and status."""
    query = select(cases.c.id, cases.c.owning_team_id, cases.c.status).where(
        cases.c.id.in_(list(case_ids))
    )
    return {row.id: row for row in (await session.execute(query)).all()}


async def allocated_now(session: AsyncSession, case_ids: Iterable[UUID]) -> list[UUID]:
    """The practitioners allocated now to any of these cases, each once."""
    query = (
        select(allocations.c.practitioner_id)
        .where(allocations.c.case_id.in_(list(case_ids)), allocation_current(allocations))
        .distinct()
        .order_by(allocations.c.practitioner_id)
    )
    return list(await session.scalars(query))


async def is_team_member(
    session: AsyncSession, practitioner_id: UUID, team_id: UUID, on: date
) -> bool:
    """The practitioner is active and belongs to the team on `on`, as the directory announced."""
    query = (
        select(practitioners.c.id)
        .join(memberships, memberships.c.practitioner_id == practitioners.c.id)
        .where(
            practitioners.c.id == practitioner_id,
            practitioners.c.active.is_(True),
            memberships.c.team_id == team_id,
            or_(memberships.c.valid_from.is_(None), memberships.c.valid_from <= on),
            or_(memberships.c.valid_to.is_(None), memberships.c.valid_to > on),
        )
        .limit(1)
    )
    return (await session.scalar(query)) is not None


async def next_meetings(session: AsyncSession, case_ids: Iterable[UUID]) -> dict[UUID, datetime]:
    """For each case, the start of the next scheduled meeting discussing it, if any."""
    query = (
        select(MeetingCase.case_id, func.min(Meeting.starts_at))
        .join(Meeting, Meeting.id == MeetingCase.meeting_id)
        .where(
            and_(
                MeetingCase.case_id.in_(list(case_ids)),
                Meeting.status == "scheduled",
                Meeting.starts_at >= func.now(),
            )
        )
        .group_by(MeetingCase.case_id)
    )
    return {row[0]: row[1] for row in (await session.execute(query)).all()}


async def episode_numbers(session: AsyncSession, case_ids: Iterable[UUID]) -> dict[UUID, int]:
    """Each case's current workbook episode, as the projection has it."""
    query = select(cases.c.id, cases.c.episode_number).where(cases.c.id.in_(list(case_ids)))
    return {row[0]: row[1] for row in (await session.execute(query)).all()}
