"""The iCalendar (RFC 5545) document of a practitioner's GCS meetings.

What a calendar shows travels outside the council's systems (to phones, to a cloud calendar),
so each event says when, where, and which cases by a short reference only: no names, no case
detail. Each meeting keeps one UID for its life; SEQUENCE is the meeting's, which grows at every
move or cancellation, so subscribed calendars update the event in place, and a cancelled
meeting stays in the feed as STATUS:CANCELLED so calendars remove it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from icalendar import Calendar, Event

PRODID = "-//Family Safeguarding//Group Case Supervision//EN"
UID_DOMAIN = "supervision.fsm"


@dataclass(frozen=True)
class FeedMeeting:
    """A meeting as a feed shows it."""

    id: UUID
    starts_at: datetime
    ends_at: datetime
    place: str
    status: str
    sequence: int
    changed_at: datetime
    case_ids: Sequence[UUID]


def case_reference(case_id: UUID) -> str:
    """A short reference to a case that names nobody (its id's first eight hex digits)."""
    return case_id.hex[:8].upper()


def render(meetings: Sequence[FeedMeeting], stamp: datetime) -> bytes:
    """The feed's document."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Group case supervision")
    for meeting in meetings:
        event = Event()
        event.add("uid", f"{meeting.id}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("last-modified", meeting.changed_at)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        event.add("sequence", meeting.sequence)
        event.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
        event.add("summary", "Group case supervision")
        event.add("location", meeting.place)
        references = ", ".join(case_reference(c) for c in meeting.case_ids)
        event.add("description", f"Cases: {references}" if references else "Cases: none of yours")
        calendar.add_component(event)
    document: bytes = calendar.to_ical()
    return document
