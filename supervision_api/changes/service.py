"""Supervision's feed: its rows rendered through the meetings' and records' own read paths.

Each scope (a case) is loaded once per page through the case projection's rule as the caller
(`projection.rule.load`), and each record through the same functions as its own endpoint
(`meetings.service.view`, `records.service.view`), so a record is never rendered on the
strength of its scope alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.change_feed.feed import ChangeFeed, ChangeRow, Departure
from services.change_feed.projection_sight import projection_sight, visible_cases
from services.change_feed.rendering import FeedRenderer, RowKey, read_page, row_key
from services.change_feed.schemas import CaseTombstone
from services.principal import Principal
from supervision_api.changes.schemas import (
    CaseRecordFeedItem,
    MeetingFeedItem,
    SupervisionChange,
    SupervisionChangePage,
)
from supervision_api.meetings import repository as meetings
from supervision_api.meetings import service as meeting_service
from supervision_api.meetings.dependencies import MeetingAccess
from supervision_api.models import kernel, projection
from supervision_api.records import service as record_service
from supervision_api.records.dependencies import RecordAccess
from supervision_api.records.models import CaseRecord

CHANGES = ChangeFeed(kernel.changes, "changes")


async def _meetings(
    session: AsyncSession, principal: Principal, rows: Sequence[ChangeRow]
) -> Mapping[RowKey, SupervisionChange]:
    cases = await visible_cases(session, projection, principal, rows)
    rendered: dict[RowKey, SupervisionChange] = {}
    for row in rows:
        if row.scope_id not in cases:
            continue
        meeting = await meetings.load_meeting(session, principal, row.record_id)
        if meeting is None:
            continue
        view = await meeting_service.view(session, MeetingAccess(meeting, principal))
        agenda = [item for item in view.agenda if item.case_id == row.scope_id]
        if not agenda:
            continue
        rendered[row_key(row)] = MeetingFeedItem(
            op="upsert",
            id=row.record_id,
            case_id=row.scope_id,
            changed_at=row.changed_at,
            meeting=view.model_copy(update={"agenda": agenda}),
        )
    return rendered


async def _records(
    session: AsyncSession, principal: Principal, rows: Sequence[ChangeRow]
) -> Mapping[RowKey, SupervisionChange]:
    cases = await visible_cases(session, projection, principal, rows)
    wanted = [row.record_id for row in rows if row.scope_id in cases]
    records = {
        record.id: record
        for record in await session.scalars(
            select(CaseRecord).where(CaseRecord.id.in_(wanted), CaseRecord.case_id.in_(cases))
        )
    }
    rendered: dict[RowKey, SupervisionChange] = {}
    for row in rows:
        record = records.get(row.record_id)
        if record is None or record.case_id != row.scope_id:
            continue
        meeting = await meetings.load_meeting(session, principal, record.meeting_id)
        if meeting is None:
            continue
        view = await record_service.view(
            session, RecordAccess(record, meeting, cases[record.case_id])
        )
        rendered[row_key(row)] = CaseRecordFeedItem(
            op="upsert",
            id=row.record_id,
            case_id=row.scope_id,
            changed_at=row.changed_at,
            record=view,
        )
    return rendered


def _tombstone(gone: Departure) -> SupervisionChange:
    return CaseTombstone(op="tombstone", id=gone.scope_id)


RENDERER: FeedRenderer[SupervisionChange] = FeedRenderer(
    {"meeting": _meetings, "case_record": _records}, _tombstone
)


async def read_changes_page(
    session: AsyncSession, principal: Principal, *, cursor: str | None, limit: int
) -> SupervisionChangePage:
    """The page after `cursor` of supervision's feed, as the caller may see it."""
    sight = await projection_sight(session, projection, principal)
    items, page = await read_page(
        session, principal, CHANGES, sight, RENDERER.render, cursor=cursor, limit=limit
    )
    return SupervisionChangePage(
        items=items, next_cursor=page.next_cursor, more=page.more, reset=page.reset
    )
