"""Meetings: booking (invitees from the cases' allocations), moves, cancellation, attendance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import FieldError, Forbidden, ProblemError, ValidationProblem, invalid
from services.principal import Principal
from services.working_days import local_date
from supervision_api.meetings import repository
from supervision_api.meetings.dependencies import MeetingAccess
from supervision_api.meetings.events import publish_meeting_event
from supervision_api.meetings.models import Meeting, MeetingCase, MeetingChange, MeetingInvitee
from supervision_api.meetings.schemas import (
    AgendaItemOut,
    AttendanceIn,
    ChangeOut,
    InviteeOut,
    MeetingBooking,
    MeetingCancellation,
    MeetingList,
    MeetingMove,
    MeetingOut,
    MeetingSummary,
)
from supervision_api.records import repository as records
from supervision_api.records.models import CaseRecord

MAX_LENGTH = timedelta(hours=8)
MAX_WINDOW = timedelta(days=366)


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise invalid(
            "body", "ends_at", message="A meeting ends after it starts.", code="ends_before_start"
        )
    if ends_at - starts_at > MAX_LENGTH:
        raise invalid(
            "body", "ends_at", message="A meeting lasts at most 8 hours.", code="too_long"
        )


def _conflict(detail: str) -> ProblemError:
    return ProblemError(409, "conflict", detail)


async def _check_agenda(session: AsyncSession, team_id: UUID, case_ids: list[UUID]) -> None:
    errors: list[FieldError] = []
    if len(set(case_ids)) != len(case_ids):
        errors.append(FieldError(("body", "case_ids"), "Each case appears once.", "duplicate"))
    found = await repository.projected_cases(session, case_ids)
    for index, case_id in enumerate(case_ids):
        case = found.get(case_id)
        if case is None or case.owning_team_id != team_id or case.status != "open":
            errors.append(
                FieldError(
                    ("body", "case_ids", str(index)),
                    "Not an open case of this team.",
                    "unknown_case",
                )
            )
    if errors:
        raise ValidationProblem(errors)


async def book(session: AsyncSession, principal: Principal, body: MeetingBooking) -> Meeting:
    """Book a meeting for a team the caller manages, inviting the chair and the allocated."""
    if body.team_id not in principal.managed_team_ids:
        raise Forbidden("You can book meetings only for a team you manage.")
    _check_times(body.starts_at, body.ends_at)
    await _check_agenda(session, body.team_id, body.case_ids)
    chair_id = body.chair_id or principal.practitioner_id
    today = local_date(await transaction_now(session))
    if chair_id != principal.practitioner_id and not await repository.is_team_member(
        session, chair_id, body.team_id, today
    ):
        raise invalid(
            "body",
            "chair_id",
            message="The chair must be a member of the team.",
            code="not_team_member",
        )
    meeting = Meeting(
        team_id=body.team_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        place=body.place,
        chair_id=chair_id,
        status="scheduled",
        sequence=0,
        booked_by=principal.practitioner_id,
    )
    session.add(meeting)
    await session.flush()
    for position, case_id in enumerate(body.case_ids, start=1):
        session.add(MeetingCase(meeting_id=meeting.id, case_id=case_id, position=position))
    await session.flush()
    # Each case's record starts as a draft at booking, so workers can write ahead of the day.
    for case_id in body.case_ids:
        session.add(CaseRecord(meeting_id=meeting.id, case_id=case_id, status="draft"))
    invited = [chair_id] + [
        p for p in await repository.allocated_now(session, body.case_ids) if p != chair_id
    ]
    for practitioner_id in invited:
        session.add(
            MeetingInvitee(
                meeting_id=meeting.id,
                practitioner_id=practitioner_id,
                invited_as="chair" if practitioner_id == chair_id else "allocated",
                attendance="invited",
            )
        )
    _record_change(session, meeting, "booked", principal, None)
    await session.flush()
    await publish_meeting_event(session, "booked", meeting, body.case_ids, invited)
    return meeting


def _record_change(
    session: AsyncSession,
    meeting: Meeting,
    change: str,
    principal: Principal,
    reason: str | None,
) -> None:
    session.add(
        MeetingChange(
            meeting_id=meeting.id,
            change=change,
            sequence=meeting.sequence,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            place=meeting.place,
            reason=reason,
            changed_by=principal.practitioner_id,
        )
    )


async def _announce(session: AsyncSession, change: str, meeting: Meeting) -> None:
    agenda = await repository.agenda_case_ids(session, meeting.id)
    invited = [row[0].practitioner_id for row in await repository.invitees(session, meeting.id)]
    await publish_meeting_event(session, change, meeting, agenda, invited)


async def _refuse_if_settled(session: AsyncSession, meeting: Meeting) -> None:
    if meeting.status == "cancelled":
        raise _conflict("The meeting is cancelled.")
    if await records.has_final_record(session, meeting.id):
        raise _conflict("A record of this meeting is final: it was held.")


async def reschedule(session: AsyncSession, access: MeetingAccess, body: MeetingMove) -> Meeting:
    """Move the meeting; the old time stays in its history and its sequence grows."""
    meeting = access.meeting
    await _refuse_if_settled(session, meeting)
    _check_times(body.starts_at, body.ends_at)
    meeting.starts_at = body.starts_at
    meeting.ends_at = body.ends_at
    if body.place is not None:
        meeting.place = body.place
    meeting.sequence += 1
    _record_change(session, meeting, "rescheduled", access.principal, body.reason)
    await session.flush()
    await _announce(session, "rescheduled", meeting)
    return meeting


async def cancel(
    session: AsyncSession, access: MeetingAccess, body: MeetingCancellation
) -> Meeting:
    """Cancel the meeting with a reason; it stays, marked cancelled, with its history."""
    meeting = access.meeting
    await _refuse_if_settled(session, meeting)
    meeting.status = "cancelled"
    meeting.cancelled_at = await transaction_now(session)
    meeting.cancel_reason = body.reason
    meeting.sequence += 1
    _record_change(session, meeting, "cancelled", access.principal, body.reason)
    await session.flush()
    await _announce(session, "cancelled", meeting)
    return meeting


async def record_attendance(
    session: AsyncSession, access: MeetingAccess, body: AttendanceIn
) -> None:
    """Record whether an invitee came; an invitee may send their own apologies."""
    own_apologies = (
        body.practitioner_id == access.principal.practitioner_id and body.attendance == "apologies"
    )
    if not (access.runs or own_apologies):
        raise Forbidden("Only the chair or a manager records attendance; you may send apologies.")
    if access.meeting.status == "cancelled":
        raise _conflict("The meeting is cancelled.")
    invitee = await repository.invitee(session, access.meeting.id, body.practitioner_id)
    if invitee is None:
        raise invalid(
            "body", "practitioner_id", message="Not invited to this meeting.", code="not_invited"
        )
    invitee.attendance = body.attendance
    invitee.note = body.note
    invitee.recorded_by = access.principal.practitioner_id
    invitee.recorded_at = await transaction_now(session)
    await session.flush()


async def view(session: AsyncSession, access: MeetingAccess) -> MeetingOut:
    """The meeting with the agenda items the caller may see, invitees and history."""
    meeting = access.meeting
    agenda = await repository.agenda(session, access.principal, meeting.id)
    invited = await repository.invitees(session, meeting.id)
    changes = await repository.history(session, meeting.id)
    return MeetingOut(
        id=meeting.id,
        team_id=meeting.team_id,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        place=meeting.place,
        chair_id=meeting.chair_id,
        status=meeting.status,
        sequence=meeting.sequence,
        booked_by=meeting.booked_by,
        booked_at=meeting.booked_at,
        cancelled_at=meeting.cancelled_at,
        cancel_reason=meeting.cancel_reason,
        version=meeting.version,
        agenda=[AgendaItemOut(case_id=item.case_id, position=item.position) for item in agenda],
        invitees=[
            InviteeOut(
                practitioner_id=person.practitioner_id,
                display_name=name,
                invited_as=person.invited_as,
                attendance=person.attendance,
                note=person.note,
            )
            for person, name in invited
        ],
        history=[
            ChangeOut(
                change=c.change,
                sequence=c.sequence,
                starts_at=c.starts_at,
                ends_at=c.ends_at,
                place=c.place,
                reason=c.reason,
                changed_by=c.changed_by,
                changed_at=c.changed_at,
            )
            for c in changes
        ],
    )


async def list_view(
    session: AsyncSession,
    principal: Principal,
    *,
    starts_from: datetime | None,
    starts_before: datetime | None,
    team_id: UUID | None,
    case_id: UUID | None,
    limit: int,
) -> MeetingList:
    """Meetings the caller may see in a window (default: from a week ago, for 90 days)."""
    now = await transaction_now(session)
    start = starts_from or now - timedelta(days=7)
    try:
        end = starts_before or start + timedelta(days=90)
    except OverflowError:
        end = datetime.max.replace(tzinfo=UTC)
    if end <= start:
        raise invalid(
            "query", "starts_before", message="The window ends after it starts.", code="window"
        )
    if end - start > MAX_WINDOW:
        raise invalid(
            "query", "starts_before", message="The window is at most 366 days.", code="window"
        )
    rows = await repository.list_meetings(
        session,
        principal,
        starts_from=start,
        starts_before=end,
        team_id=team_id,
        case_id=case_id,
        limit=limit,
    )
    return MeetingList(
        items=[
            MeetingSummary(
                id=m.id,
                team_id=m.team_id,
                starts_at=m.starts_at,
                ends_at=m.ends_at,
                place=m.place,
                chair_id=m.chair_id,
                status=m.status,
                case_count=count,
            )
            for m, count in rows
        ]
    )
