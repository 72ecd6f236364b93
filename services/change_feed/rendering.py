"""Turning a feed page into a unit's changes: departures as tombstones, rows as its records.

A unit renders each kind of record with a batch function over the page's rows of that kind,
through its own read queries with the access rules inside (a record is never rendered on the
strength of its scope alone). A row the renderer leaves out (a record the caller may not see,
a draft of somebody else's) is simply not sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from services.change_feed.feed import ChangeFeed, ChangeRow, Departure, FeedPage, Sight
from services.principal import Principal

ItemT = TypeVar("ItemT", bound=BaseModel)
RowKey = tuple[str, UUID, UUID]
"""A row's kind, record id and scope id: what a renderer answers for."""

KindRenderer = Callable[
    [AsyncSession, Principal, Sequence[ChangeRow]], Awaitable[Mapping[RowKey, ItemT]]
]
"""Renders one kind's rows of a page (one batch per kind), keyed by `row_key`."""


def row_key(row: ChangeRow) -> RowKey:
    """The key a renderer files a row's change under."""
    return (row.kind, row.record_id, row.scope_id)


class FeedRenderer(Generic[ItemT]):
    """How one unit renders its feed: a renderer per kind, and the tombstone of a scope."""

    def __init__(
        self,
        kinds: Mapping[str, KindRenderer[ItemT]],
        tombstone: Callable[[Departure], ItemT],
    ) -> None:
        self.kinds = kinds
        self.tombstone = tombstone

    async def render(
        self, session: AsyncSession, principal: Principal, page: FeedPage
    ) -> list[ItemT]:
        """The page's departures as tombstones, then its rows as the caller may see them."""
        items = [self.tombstone(gone) for gone in page.departed]
        by_kind: dict[str, list[ChangeRow]] = defaultdict(list)
        for row in page.rows:
            by_kind[row.kind].append(row)
        rendered: dict[RowKey, ItemT] = {}
        for kind, rows in by_kind.items():
            renderer = self.kinds.get(kind)
            if renderer is not None:
                rendered.update(await renderer(session, principal, rows))
        items += [rendered[key] for key in map(row_key, page.rows) if key in rendered]
        return items


async def read_page(
    session: AsyncSession,
    principal: Principal,
    feed: ChangeFeed,
    sight: Sight,
    render: Callable[[AsyncSession, Principal, FeedPage], Awaitable[list[ItemT]]],
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[ItemT], FeedPage]:
    """The page after `cursor` of one feed, rendered as the caller may see it."""
    page = await feed.read(
        session, subject=principal.subject, cursor=cursor, limit=limit, sight=sight
    )
    return await render(session, principal, page), page
