"""Meeting events through the outbox: booked, rescheduled, cancelled.

They tell attendees' calendars and other systems that a meeting changed: ids, times, place,
the iCalendar sequence, the agenda's case ids and who is invited; never names or case detail.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.event_contracts import PREFIX
from services.outbox import publish
from supervision_api.meetings.models import Meeting
from supervision_api.models import kernel

SOURCE = "/supervision"
MEETING_EVENTS = f"{PREFIX}.supervision.meeting."


async def publish_meeting_event(
    session: AsyncSession,
    change: str,
    meeting: Meeting,
    case_ids: Sequence[UUID],
    invitee_ids: Sequence[UUID],
) -> None:
    """Write `uk.gov.fsm.supervision.meeting.<change>` in the change's transaction."""
    await publish(
        session,
        kernel.outbox_event,
        type=f"{MEETING_EVENTS}{change}",
        source=SOURCE,
        subject=f"meetings/{meeting.id}",
        data={
            "meeting_id": meeting.id,
            "team_id": meeting.team_id,
            "status": meeting.status,
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "place": meeting.place,
            "sequence": meeting.sequence,
            "chair_id": meeting.chair_id,
            "case_ids": list(case_ids),
            "invitee_ids": list(invitee_ids),
        },
        team_id=meeting.team_id,
    )
