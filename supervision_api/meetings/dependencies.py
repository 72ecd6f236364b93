"""Load-or-404 dependencies for a meeting named in the path, with the caller's standing.

The order is the kit's: the meeting (404 for anyone who may not see it), the standing the
action needs (403), then the version the caller saw (If-Match: 428/412).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Path

from services.auth import CurrentPrincipal
from services.concurrency import IfMatch, check_if_match
from services.errors import Forbidden, NotFound, raises
from services.principal import Principal
from services.unit_of_work import DbSession
from supervision_api.meetings import repository
from supervision_api.meetings.models import Meeting

MeetingId = Annotated[UUID, Path(description="The meeting")]


@dataclass(frozen=True)
class MeetingAccess:
    """A meeting the caller may see, and what the caller is to it."""

    meeting: Meeting
    principal: Principal

    @property
    def manages(self) -> bool:
        """The caller manages the meeting's team."""
        return self.meeting.team_id in self.principal.managed_team_ids

    @property
    def chairs(self) -> bool:
        """The caller chairs the meeting."""
        return self.meeting.chair_id == self.principal.practitioner_id

    @property
    def runs(self) -> bool:
        """The caller chairs it or manages its team: they book, move and minute it."""
        return self.chairs or self.manages


async def _load(
    session: DbSession, principal: Principal, meeting_id: UUID, *, lock: bool
) -> MeetingAccess:
    meeting = await repository.load_meeting(session, principal, meeting_id, lock=lock)
    if meeting is None:
        raise NotFound("meeting")
    return MeetingAccess(meeting, principal)


@raises(404)
async def visible_meeting(
    meeting_id: MeetingId, principal: CurrentPrincipal, session: DbSession
) -> MeetingAccess:
    """A meeting the caller may see."""
    return await _load(session, principal, meeting_id, lock=False)


@raises(403, 404)
async def attended_meeting(
    meeting_id: MeetingId, principal: CurrentPrincipal, session: DbSession
) -> MeetingAccess:
    """A meeting the caller may see, locked for a change whose rules the service applies."""
    return await _load(session, principal, meeting_id, lock=True)


@raises(403, 404, 412, 428)
async def run_meeting(
    meeting_id: MeetingId,
    principal: CurrentPrincipal,
    session: DbSession,
    if_match: IfMatch = None,
) -> MeetingAccess:
    """A meeting the caller chairs or whose team they manage, at the version they saw."""
    access = await _load(session, principal, meeting_id, lock=True)
    if not access.runs:
        raise Forbidden("Only the chair or a manager of the team can change this meeting.")
    check_if_match(if_match, access.meeting.id, access.meeting.version)
    return access


VisibleMeeting = Annotated[MeetingAccess, Depends(visible_meeting)]
AttendedMeeting = Annotated[MeetingAccess, Depends(attended_meeting)]
RunMeeting = Annotated[MeetingAccess, Depends(run_meeting)]
