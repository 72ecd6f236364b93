"""Turning a feed page into changes: departures as tombstones, rows as records to keep.

Both feeds (the change feed and a device's pull) render the same way; they differ only in the
caller's sight (changes/sight.py) and the name their cursors are kept under.
"""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.change_feed import rendering
from services.change_feed.feed import ChangeFeed, ChangeRow, FeedPage, Sight
from services.change_feed.schemas import case_ids_of as feed_case_ids
from services.principal import Principal
from workbook_api.cases.schemas import AllocationRead, EpisodeRead
from workbook_api.changes import repository
from workbook_api.changes.schemas import (
    AllocationChange,
    CaseChange,
    CaseView,
    Change,
    ChangePage,
    ChronologyEventChange,
    ChronologyEventView,
    EntryChange,
    FamilyChange,
)
from workbook_api.changes.sight import CASE
from workbook_api.entries.schemas import EntryOut
from workbook_api.families.schemas import FamilyDetail, FamilyRead, MemberRead, RelationshipRead
from workbook_api.models import kernel

CHANGES = ChangeFeed(kernel.changes, "changes")
PULL = ChangeFeed(kernel.changes, "pull")


async def read_page(
    session: AsyncSession,
    principal: Principal,
    feed: ChangeFeed,
    sight: Sight,
    *,
    cursor: str | None,
    limit: int,
) -> ChangePage:
    """The page after `cursor` of one feed, as the caller may see it."""
    items, page = await rendering.read_page(
        session, principal, feed, sight, _render, cursor=cursor, limit=limit
    )
    return ChangePage(items=items, next_cursor=page.next_cursor, more=page.more, reset=page.reset)


async def _render(session: AsyncSession, principal: Principal, page: FeedPage) -> list[Change]:
    items: list[Change] = [
        CaseChange(op="tombstone", id=gone.scope_id, reason="out_of_sight")
        if gone.kind == CASE
        else FamilyChange(op="tombstone", id=gone.scope_id, reason="out_of_sight")
        for gone in page.departed
    ]
    wanted: dict[str, list[UUID]] = defaultdict(list)
    for row in page.rows:
        wanted[row.kind].append(row.record_id)
    views = await _views(session, principal, wanted)
    for row in page.rows:
        item = _item(row, views)
        if item is not None:
            items.append(item)
    return items


Views = dict[tuple[str, UUID], object]


async def _views(
    session: AsyncSession, principal: Principal, wanted: dict[str, list[UUID]]
) -> Views:
    views: Views = {}
    if ids := wanted.get("case"):
        for case, family_name, episode in await repository.cases(session, principal, ids):
            current = EpisodeRead.of(episode) if episode is not None else None
            views["case", case.id] = CaseView.of(
                case, family_name=family_name, current_episode=current
            )
    if ids := wanted.get("allocation"):
        for allocation in await repository.allocations(session, principal, ids):
            views["allocation", allocation.id] = AllocationRead.of(allocation)
    if ids := wanted.get("entry"):
        for row in await repository.entries(session, principal, ids):
            views["entry", row.id] = EntryOut.of(row)
        unseen = [entry_id for entry_id in ids if ("entry", entry_id) not in views]
        if unseen:
            for entry_id in await repository.withdrawn_among(session, unseen):
                views["withdrawn", entry_id] = True
    if ids := wanted.get("chronology_event"):
        for event in await repository.chronology_events(session, principal, ids):
            views["chronology_event", event.id] = ChronologyEventView.of(event)
    if ids := wanted.get("family"):
        for family, members, relationships in await repository.families(session, principal, ids):
            views["family", family.id] = FamilyDetail(
                **FamilyRead.of(family).model_dump(),
                members=[MemberRead.of(m) for m in members],
                relationships=[RelationshipRead.of(r) for r in relationships],
            )
    return views


def _item(row: ChangeRow, views: Views) -> Change | None:
    """The change a row stands for, or None for a record the caller may not see."""
    view = views.get((row.kind, row.record_id))
    at = row.changed_at
    if isinstance(view, CaseView):
        return CaseChange(op="upsert", id=row.record_id, changed_at=at, case=view)
    if isinstance(view, FamilyDetail):
        return FamilyChange(op="upsert", id=row.record_id, changed_at=at, family=view)
    if isinstance(view, AllocationRead):
        return AllocationChange(
            op="upsert", id=row.record_id, case_id=row.scope_id, changed_at=at, allocation=view
        )
    if isinstance(view, EntryOut):
        return EntryChange(
            op="upsert", id=row.record_id, case_id=row.scope_id, changed_at=at, entry=view
        )
    if isinstance(view, ChronologyEventView):
        return ChronologyEventChange(
            op="upsert",
            id=row.record_id,
            case_id=row.scope_id,
            changed_at=at,
            chronology_event=view,
        )
    if row.kind == "entry" and not row.backfill and ("withdrawn", row.record_id) in views:
        # Withdrawn after the caller could read it: drop it. (A draft never shown, or a
        # withdrawn entry of a case that just came into sight, is simply not sent.)
        return EntryChange(
            op="tombstone", id=row.record_id, case_id=row.scope_id, reason="withdrawn"
        )
    return None


def case_ids_of(page: ChangePage) -> list[str]:
    """The cases a page discloses something of, for its audit record."""
    return feed_case_ids(list(page.items))
