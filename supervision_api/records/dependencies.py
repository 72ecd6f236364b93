"""Load-or-404 dependencies for a case's record at a meeting, with the caller's standing.

The order is the kit's: the case (404 for anyone who may not see it, the projection's rule),
the meeting's record of it (404), the standing the action needs (403), then the version the
caller saw (If-Match: 428/412). The lifecycle's own rules (a final record is never edited)
are the service's, answering 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends

from services.concurrency import IfMatch, check_if_match
from services.errors import Forbidden, NotFound, raises
from services.projection import ProjectedCase
from services.retention.certificates import refuse_destroyed
from services.unit_of_work import DbSession
from supervision_api.meetings import repository as meetings
from supervision_api.meetings.dependencies import MeetingId
from supervision_api.meetings.models import Meeting
from supervision_api.models import destructions, projection
from supervision_api.records import repository
from supervision_api.records.models import CaseRecord

VisibleCase = Annotated[ProjectedCase, Depends(projection.visible_case)]


@raises(409)
async def writable_case(case: VisibleCase, session: DbSession) -> ProjectedCase:
    """A case that may take new words: any the caller may see, unless it was destroyed (a
    record booked while the case was open could otherwise still be minuted or amended)."""
    await refuse_destroyed(session, destructions, case.id)
    return case


WritableCase = Annotated[ProjectedCase, Depends(writable_case)]


@dataclass(frozen=True)
class RecordAccess:
    """A case's record at a meeting, the meeting, the case, and what the caller is to them."""

    record: CaseRecord
    meeting: Meeting
    case: ProjectedCase

    @property
    def manages(self) -> bool:
        """The caller manages the meeting's team."""
        return self.meeting.team_id in self.case.principal.managed_team_ids

    @property
    def chairs(self) -> bool:
        """The caller chairs the meeting."""
        return self.meeting.chair_id == self.case.principal.practitioner_id

    @property
    def runs(self) -> bool:
        """The chair or a manager of the team: they minute the meeting."""
        return self.chairs or self.manages


async def load(
    session: DbSession, case: ProjectedCase, meeting_id: UUID, *, lock: bool
) -> RecordAccess:
    """The record, or 404 when the meeting did not discuss the case."""
    meeting = await meetings.load_meeting(session, case.principal, meeting_id, lock=lock)
    record = await repository.load_record(session, meeting_id, case.id, lock=lock)
    if meeting is None or record is None:
        raise NotFound("record")
    return RecordAccess(record, meeting, case)


def _runs(access: RecordAccess) -> RecordAccess:
    if not access.runs:
        raise Forbidden("Only the chair or a manager of the team minutes the meeting.")
    return access


@raises(403, 404, 412, 428)
async def minuted_record(
    meeting_id: MeetingId, case: WritableCase, session: DbSession, if_match: IfMatch = None
) -> RecordAccess:
    """The record, for its chair or a manager of the team, at the version they saw."""
    access = _runs(await load(session, case, meeting_id, lock=True))
    check_if_match(if_match, access.record.id, access.record.version)
    return access


@raises(403, 404)
async def appended_record(
    meeting_id: MeetingId, case: WritableCase, session: DbSession
) -> RecordAccess:
    """The record, for its chair or a manager of the team to add a decision or an action."""
    return _runs(await load(session, case, meeting_id, lock=True))


@raises(403, 404, 412, 428)
async def chaired_record(
    meeting_id: MeetingId, case: WritableCase, session: DbSession, if_match: IfMatch = None
) -> RecordAccess:
    """The record, for the meeting's chair alone, at the version they saw."""
    access = await load(session, case, meeting_id, lock=True)
    if not access.chairs:
        raise Forbidden("Only the meeting's chair finalises its records.")
    check_if_match(if_match, access.record.id, access.record.version)
    return access


@raises(404)
async def visible_record(
    meeting_id: MeetingId, case: VisibleCase, session: DbSession
) -> RecordAccess:
    """The record, for anyone who may see the case."""
    return await load(session, case, meeting_id, lock=False)


@raises(404)
async def contributed_record(
    meeting_id: MeetingId, case: WritableCase, session: DbSession
) -> RecordAccess:
    """The record locked for a worker's update (the service checks they are allocated)."""
    return await load(session, case, meeting_id, lock=True)


VisibleRecord = Annotated[RecordAccess, Depends(visible_record)]
ContributedRecord = Annotated[RecordAccess, Depends(contributed_record)]
# Edited (If-Match) or added to by the chair or a manager of the team.
MinutedRecord = Annotated[RecordAccess, Depends(minuted_record)]
AppendedRecord = Annotated[RecordAccess, Depends(appended_record)]
ChairedRecord = Annotated[RecordAccess, Depends(chaired_record)]
