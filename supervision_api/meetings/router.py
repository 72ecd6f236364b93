"""Meeting endpoints: book, list, read, reschedule, cancel, attendance."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Query, Response

from services.auditing import Audit, audited
from services.auth import CurrentPrincipal
from services.concurrency import set_etag
from services.errors import invalid, raises
from services.responses import created
from services.routing import kit_router
from services.unit_calls import CallerCalls
from services.unit_of_work import DbSession, Work
from supervision_api.meetings import service
from supervision_api.meetings.agenda import Agenda, agenda_view
from supervision_api.meetings.dependencies import (
    AttendedMeeting,
    MeetingAccess,
    RunMeeting,
    VisibleMeeting,
)
from supervision_api.meetings.schemas import (
    AttendanceIn,
    MeetingBooking,
    MeetingCancellation,
    MeetingList,
    MeetingMove,
    MeetingOut,
)
from supervision_api.teams.dependencies import Manager

router = kit_router(tags=["meetings"])


# RFC 3339 with its offset; pydantic alone would also read "1700000000" as a Unix time.
RFC3339 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|z|[+-]\d{2}:\d{2})$"


def instant(name: str, value: str | None) -> datetime | None:
    """A query's date-time, or a 422 naming it."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise invalid("query", name, message="Not a date-time.", code="date_time") from None


async def respond(session: DbSession, access: MeetingAccess, response: Response) -> MeetingOut:
    """The meeting as the caller may see it, with its ETag."""
    view = await service.view(session, access)
    set_etag(response, view.id, view.version)
    return view


@router.post("/meetings", status_code=201, summary="Book a GCS meeting")
@audited("create", "meeting", resource="")
@raises(403)
async def book_meeting(
    body: MeetingBooking,
    principal: Manager,
    session: DbSession,
    response: Response,
    note: Audit,
) -> MeetingOut:
    """Book a meeting for your team: its cases' allocated workers and the chair are invited."""
    meeting = await service.book(session, principal, body)
    note.resource_id = str(meeting.id)
    note.details["cases"] = len(body.case_ids)
    created(response, f"/meetings/{meeting.id}", meeting.id, meeting.version)
    return await service.view(session, MeetingAccess(meeting, principal))


@router.get("/meetings", summary="List GCS meetings")
@audited("list", "meeting", resource="")
async def list_meetings(
    principal: CurrentPrincipal,
    session: DbSession,
    note: Audit,
    starts_from: Annotated[
        str | None,
        Query(pattern=RFC3339, description="A date-time (RFC 3339); default: a week ago"),
    ] = None,
    starts_before: Annotated[
        str | None,
        Query(
            pattern=RFC3339,
            description="A date-time (RFC 3339); default: 90 days after `starts_from`",
        ),
    ] = None,
    team_id: UUID | None = None,
    case_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> MeetingList:
    """Meetings you may see (your team's, as its manager; your cases', as their worker)."""
    found = await service.list_view(
        session,
        principal,
        starts_from=instant("starts_from", starts_from),
        starts_before=instant("starts_before", starts_before),
        team_id=team_id,
        case_id=case_id,
        limit=limit,
    )
    note.details["count"] = len(found.items)
    return found


@router.get("/meetings/{meeting_id}", summary="Read a GCS meeting")
@audited("read", "meeting")
async def get_meeting(access: VisibleMeeting, session: DbSession, response: Response) -> MeetingOut:
    """The meeting, its agenda's cases you may see, its invitees and its history."""
    return await respond(session, access, response)


@router.get("/meetings/{meeting_id}/agenda", summary="Read a GCS meeting's agenda")
@audited("read", "meeting_agenda")
async def get_meeting_agenda(
    access: VisibleMeeting, session: DbSession, work: Work, calls: CallerCalls
) -> Agenda:
    """The cases you may see on the agenda, each with its workers' latest role summaries, read
    from the workbook as you (restricted detail it withholds from you stays withheld)."""
    return await agenda_view(session, access, calls, reads_done=work.end_reads)


@router.post("/meetings/{meeting_id}/reschedule", summary="Move a GCS meeting")
@audited("reschedule", "meeting")
@raises(409)
async def reschedule_meeting(
    body: MeetingMove, access: RunMeeting, session: DbSession, response: Response
) -> MeetingOut:
    """Move the meeting (send If-Match); invitees' calendars update in place."""
    await service.reschedule(session, access, body)
    return await respond(session, access, response)


@router.post("/meetings/{meeting_id}/cancel", summary="Cancel a GCS meeting")
@audited("cancel", "meeting")
@raises(409)
async def cancel_meeting(
    body: MeetingCancellation, access: RunMeeting, session: DbSession, response: Response
) -> MeetingOut:
    """Cancel the meeting with a reason (send If-Match); it is kept, marked cancelled."""
    await service.cancel(session, access, body)
    return await respond(session, access, response)


@router.post("/meetings/{meeting_id}/attendance", summary="Record attendance or apologies")
@audited("attendance", "meeting")
@raises(403, 409)
async def record_attendance(
    body: AttendanceIn, access: AttendedMeeting, session: DbSession, response: Response
) -> MeetingOut:
    """The chair or a manager records who came; an invitee sends their own apologies."""
    await service.record_attendance(session, access, body)
    return await respond(session, access, response)
