"""The chronology: significant final entries and other services' events, in event-time order.

Each source is read through its own (case_id, time, id) index with the keyset bound and the page
limit pushed into the branch, so the first page costs the same for 100 entries or 100,000.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import (
    Boolean,
    ColumnClause,
    CompoundSelect,
    Select,
    String,
    Uuid,
    case,
    cast,
    literal,
    literal_column,
    null,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.csv_export import csv_line
from services.pagination import Keyset, PageRequest, aware_datetime, uuid_value
from services.streamed_export import ExportOutcome, StreamedExport
from workbook_api.access.repository import CaseAccess
from workbook_api.chronology.models import ChronologyEvent
from workbook_api.chronology.schemas import ChronologyItem
from workbook_api.disciplines.config import RecordingConfig
from workbook_api.entries.models import Entry

Order = Literal["asc", "desc"]
# A batch of an export: the rows after a keyset position (None: from the start), up to a limit;
# None when there is nothing to read at all.
BatchQuery = Callable[[tuple[datetime, UUID] | None, int], CompoundSelect[Any] | None]
# A row of a batch as its CSV cells.
RenderRow = Callable[[Any], list[object]]
CHRONOLOGY_KEY = Keyset(
    (ChronologyEvent.occurred_at, aware_datetime), (ChronologyEvent.id, uuid_value)
)
ENTRY_SOURCE = "workbook"
EXPORT_BATCH = 500
CSV_COLUMNS = (
    "occurred_at",
    "kind",
    "type",
    "title",
    "source",
    "author_name",
    "discipline",
    "status",
    "restricted",
    "summary",
    "detail",
)


async def record_external_event(
    session: AsyncSession,
    case_id: UUID,
    source: str,
    type: str,
    occurred_at: datetime,
    title: str,
    summary: str | None,
    external_id: str,
) -> UUID:
    """Add another service's event to a case's chronology once, however often it is delivered."""
    inserted = await session.scalar(
        pg_insert(ChronologyEvent)
        .values(
            case_id=case_id,
            source=source,
            type=type,
            occurred_at=occurred_at,
            title=title,
            summary=summary,
            external_id=external_id,
        )
        .on_conflict_do_nothing(index_elements=[ChronologyEvent.external_id])
        .returning(ChronologyEvent.id)
    )
    if inserted is not None:
        return UUID(str(inserted))
    existing = await session.scalar(
        select(ChronologyEvent.id).where(ChronologyEvent.external_id == external_id)
    )
    assert existing is not None  # the conflicting row exists: that is why nothing was inserted
    return UUID(str(existing))


def entry_branch(
    access: CaseAccess,
    after: tuple[datetime, UUID] | None,
    order: Order,
    limit: int,
    include_withdrawn: bool,
) -> Select[Any]:
    visible = access.detail_visible()
    query = select(
        literal("entry", String).label("kind"),
        Entry.id.label("id"),
        Entry.event_at.label("occurred_at"),
        Entry.entry_type.label("type"),
        cast(null(), String).label("title"),
        literal(ENTRY_SOURCE, String).label("source"),
        Entry.shareable_summary.label("summary"),
        case((visible, Entry.narrative), else_=null()).label("detail"),
        Entry.author_id.label("author_id"),
        Entry.author_name.label("author_name"),
        Entry.discipline.label("discipline"),
        (Entry.sensitivity == "restricted").label("restricted"),
        (~visible).label("detail_withheld"),
        Entry.status.label("status"),
    ).where(
        Entry.significant,
        # Drafts never reach the chronology, whoever reads it.
        Entry.status != "draft",
        access.entry_visible(include_withdrawn=include_withdrawn),
    )
    key = tuple_(Entry.event_at, Entry.id)
    if after is not None:
        query = query.where(key > tuple_(*after) if order == "asc" else key < tuple_(*after))
    if order == "asc":
        query = query.order_by(Entry.event_at, Entry.id)
    else:
        query = query.order_by(Entry.event_at.desc(), Entry.id.desc())
    return query.limit(limit)


def event_branch(
    case_id: UUID, after: tuple[datetime, UUID] | None, order: Order, limit: int
) -> Select[Any]:
    c = ChronologyEvent
    query = select(
        literal("event", String).label("kind"),
        c.id.label("id"),
        c.occurred_at.label("occurred_at"),
        c.type.label("type"),
        c.title.label("title"),
        c.source.label("source"),
        c.summary.label("summary"),
        cast(null(), String).label("detail"),
        cast(null(), Uuid).label("author_id"),
        cast(null(), String).label("author_name"),
        cast(null(), String).label("discipline"),
        literal(False, Boolean).label("restricted"),
        literal(False, Boolean).label("detail_withheld"),
        literal("final", String).label("status"),
    ).where(c.case_id == case_id)
    key = tuple_(c.occurred_at, c.id)
    if after is not None:
        query = query.where(key > tuple_(*after) if order == "asc" else key < tuple_(*after))
    if order == "asc":
        query = query.order_by(c.occurred_at, c.id)
    else:
        query = query.order_by(c.occurred_at.desc(), c.id.desc())
    return query.limit(limit)


OCCURRED_AT: ColumnClause[Any] = literal_column("occurred_at")
ID: ColumnClause[Any] = literal_column("id")


def chronology_query(
    access: CaseAccess,
    *,
    after: tuple[datetime, UUID] | None,
    order: Order,
    limit: int,
    include_withdrawn: bool = False,
) -> CompoundSelect[Any]:
    """Up to `limit` chronology rows after the keyset position, merged in event-time order.

    A plain UNION ALL of the two bounded branches (each in parentheses with its own ORDER BY
    and LIMIT), ordered by column name: no subquery around it, whose column collections cost
    more to build on every request than the database took to answer.
    """
    merged = union_all(
        entry_branch(access, after, order, limit, include_withdrawn),
        event_branch(access.case.id, after, order, limit),
    )
    if order == "asc":
        return merged.order_by(OCCURRED_AT, ID).limit(limit)
    return merged.order_by(OCCURRED_AT.desc(), ID.desc()).limit(limit)


def to_item(row: Any, config: RecordingConfig) -> ChronologyItem:
    """A chronology row for the response; entries take their type's configured label as title."""
    if row.kind == "entry":
        return ChronologyItem.of(row, title=config.entry_type_label(row.type))
    return ChronologyItem.of(row)


async def chronology_page(
    session: AsyncSession,
    access: CaseAccess,
    config: RecordingConfig,
    page: PageRequest,
    *,
    order: Order,
    include_withdrawn: bool,
) -> tuple[list[ChronologyItem], str | None]:
    """A keyset page of the case's chronology in event-time order."""
    after = CHRONOLOGY_KEY.after(page)
    rows = (
        await session.execute(
            chronology_query(
                access,
                after=(after[0], after[1]) if after is not None else None,
                order=order,
                limit=page.limit + 1,
                include_withdrawn=include_withdrawn,
            )
        )
    ).all()
    items = [to_item(row, config) for row in rows]
    return CHRONOLOGY_KEY.page(items, page, lambda item: (item.occurred_at, item.id))


def item_cells(item: ChronologyItem) -> list[object]:
    """The export's cells for one item, in CSV_COLUMNS order."""
    return [
        item.occurred_at,
        item.kind,
        item.type,
        item.title,
        item.source,
        item.author_name,
        item.discipline,
        item.status,
        "yes" if item.restricted else "no",
        item.summary,
        item.detail,
    ]


class ChronologyExport(StreamedExport):
    """A CSV export of a chronology (a case's or a family's), read on the request's own
    connection (services/streamed_export.py), the whole file from one snapshot."""

    def __init__(
        self,
        connection: AsyncConnection,
        read: BatchQuery,
        render: RenderRow,
        outcome: ExportOutcome,
        *,
        columns: Sequence[str] = CSV_COLUMNS,
    ) -> None:
        super().__init__(connection, outcome)
        self._read = read
        self._render = render
        self._columns = columns

    async def _batches(self, session: AsyncSession) -> AsyncIterator[list[list[object]]]:
        after: tuple[datetime, UUID] | None = None
        while True:
            query = self._read(after, EXPORT_BATCH)
            if query is None:
                return
            rows = (await session.execute(query)).all()
            if rows:
                yield [self._render(row) for row in rows]
            if len(rows) < EXPORT_BATCH:
                return
            after = (rows[-1].occurred_at, rows[-1].id)

    async def lines(self, session: AsyncSession) -> AsyncIterator[bytes]:
        """The file, header first, read in one REPEATABLE READ snapshot."""
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield csv_line(self._columns).encode()
        async for batch in self._batches(session):
            yield "".join(csv_line(cells) for cells in batch).encode()
            self.rows += len(batch)
