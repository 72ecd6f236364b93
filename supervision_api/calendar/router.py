"""Calendar feed endpoints: your feed (issue, status, revoke) and the feed itself."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response

from services.auditing import Audit, audited
from services.auth import require_any_role
from services.errors import raises
from services.principal import Principal
from services.routing import kit_router
from services.unit_of_work import DbSession
from supervision_api.calendar import service
from supervision_api.calendar.schemas import FeedIssued, FeedStatus
from supervision_api.calendar.service import FEED_KEY_PATTERN, FEED_PATH

router = kit_router(tags=["calendar"])

# Those invited to meetings: practitioners and their managers.
Invitee = Annotated[Principal, Depends(require_any_role("practitioner", "team_manager"))]
ICS_MEDIA_TYPE = "text/calendar"


@router.post("/calendar/feed", status_code=201, summary="Issue your calendar feed URL")
@audited("issue", "calendar_feed", resource="")
async def issue_calendar_feed(
    principal: Invitee, session: DbSession, response: Response
) -> FeedIssued:
    """A private URL of your GCS meetings for Outlook or Google Calendar, shown this once; any
    earlier URL stops working."""
    issued = await service.issue(session, principal)
    response.headers["Location"] = "/calendar/feed"
    return issued


@router.get("/calendar/feed", summary="Read whether you have a calendar feed")
async def get_calendar_feed(principal: Invitee, session: DbSession) -> FeedStatus:
    """Whether your feed URL is live, and since when (the URL itself is never shown again)."""
    return await service.status(session, principal)


@router.delete("/calendar/feed", status_code=204, summary="Revoke your calendar feed")
@audited("revoke", "calendar_feed", resource="")
async def revoke_calendar_feed(principal: Invitee, session: DbSession, note: Audit) -> Response:
    """Your feed URL stops working at once."""
    note.details["revoked"] = await service.revoke(session, principal)
    return Response(status_code=204)


@router.get(
    f"{FEED_PATH}/{{secret}}",
    summary="A practitioner's GCS calendar (iCalendar)",
    response_class=Response,
    responses={200: {"content": {ICS_MEDIA_TYPE: {"schema": {"type": "string"}}}}},
)
@raises(404)
async def calendar_feed(
    secret: Annotated[
        str, Path(pattern=FEED_KEY_PATTERN, description="The secret from your feed's URL")
    ],
    session: DbSession,
) -> Response:
    """The meetings its practitioner is invited to: times, place and case references only.
    The URL is the credential, for calendar programs that cannot sign in."""
    return Response(
        await service.document(session, secret), media_type=f"{ICS_MEDIA_TYPE}; charset=utf-8"
    )
