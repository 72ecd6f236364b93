"""Calendar feeds: issue (revoking any earlier one), revoke, and render a feed by its secret."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import NotFound
from services.principal import Principal
from services.registry import SUPERVISION
from supervision_api.calendar import repository
from supervision_api.calendar.ics import FeedMeeting, render
from supervision_api.calendar.models import CalendarFeed
from supervision_api.calendar.schemas import FeedIssued, FeedStatus

FEED_PATH = "/feeds/calendar"
# 32 random bytes, URL-safe base64 without padding: 43 characters.
SECRET_BYTES = 32
FEED_KEY_PATTERN = r"^[A-Za-z0-9_-]{43}$"
PAST = timedelta(days=90)
AHEAD = timedelta(days=366)


def secret_hash(secret: str) -> str:
    """What is stored of a feed's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def issue(session: AsyncSession, principal: Principal) -> FeedIssued:
    """A new feed for the caller; any earlier one stops working."""
    await repository.revoke(session, principal.practitioner_id)
    await session.flush()
    secret = secrets.token_urlsafe(SECRET_BYTES)
    feed = CalendarFeed(practitioner_id=principal.practitioner_id, secret_hash=secret_hash(secret))
    session.add(feed)
    await session.flush()
    await session.refresh(feed, ["created_at"])
    return FeedIssued(
        url=f"{SUPERVISION.route_prefix}{FEED_PATH}/{secret}", created_at=feed.created_at
    )


async def status(session: AsyncSession, principal: Principal) -> FeedStatus:
    """Whether the caller has a live feed."""
    feed = await repository.live_feed(session, principal.practitioner_id)
    return FeedStatus(active=feed is not None, created_at=feed.created_at if feed else None)


async def revoke(session: AsyncSession, principal: Principal) -> bool:
    """Stop the caller's feed working; tell whether there was one."""
    return await repository.revoke(session, principal.practitioner_id)


async def document(session: AsyncSession, secret: str) -> bytes:
    """The feed the secret opens: the practitioner's meetings from 90 days ago to a year on."""
    feed = await repository.feed_by_secret(session, secret_hash(secret))
    if feed is None:
        raise NotFound("feed")
    now = await transaction_now(session)
    found = await repository.invited_meetings(
        session, feed.practitioner_id, now - PAST, now + AHEAD
    )
    cases = await repository.their_cases(
        session, feed.practitioner_id, [meeting.id for meeting, _ in found]
    )
    return render(
        [
            FeedMeeting(
                id=meeting.id,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                place=meeting.place,
                status=meeting.status,
                sequence=meeting.sequence,
                changed_at=changed or meeting.booked_at,
                case_ids=cases.get(meeting.id, []),
            )
            for meeting, changed in found
        ],
        stamp=now,
    )
