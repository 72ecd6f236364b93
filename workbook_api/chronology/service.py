"""The chronology: significant final entries and other services' events, in event-time order.

Each source is read through its own (case_id, time, id) index with the keyset bound and the page
limit pushed into the branch, so the first page costs the same for 100 entries or 100,000.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Select,
    String,
    Uuid,
    case,
    cast,
    literal,
    null,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.principal import Principal
from workbook_api.chronology.models import ChronologyEvent
from workbook_api.chronology.schemas import ChronologyItem
from workbook_api.disciplines.config import RecordingConfig
from workbook_api.entries.models import Entry
from workbook_api.entries.repository import detail_visible, entry_visible

Order = Literal["asc", "desc"]
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
# Spreadsheet programs execute cells that start with these; a quote makes them plain text.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


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


def _entry_branch(
    principal: Principal,
    case_id: UUID,
    after: tuple[datetime, UUID] | None,
    order: Order,
    limit: int,
    include_withdrawn: bool,
) -> Select[Any]:
    visible = detail_visible(principal)
    statuses = ("final", "withdrawn") if include_withdrawn else ("final",)
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
        Entry.case_id == case_id,
        Entry.significant,
        Entry.status == "final" if not include_withdrawn else Entry.status.in_(statuses),
        entry_visible(principal, include_withdrawn=include_withdrawn),
    )
    key = tuple_(Entry.event_at, Entry.id)
    if after is not None:
        query = query.where(key > tuple_(*after) if order == "asc" else key < tuple_(*after))
    if order == "asc":
        query = query.order_by(Entry.event_at, Entry.id)
    else:
        query = query.order_by(Entry.event_at.desc(), Entry.id.desc())
    return query.limit(limit)


def _event_branch(
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


def chronology_query(
    principal: Principal,
    case_id: UUID,
    *,
    after: tuple[datetime, UUID] | None,
    order: Order,
    limit: int,
    include_withdrawn: bool = False,
) -> Select[Any]:
    """Up to `limit` chronology rows after the keyset position, merged in event-time order."""
    entries = _entry_branch(principal, case_id, after, order, limit, include_withdrawn).subquery()
    events = _event_branch(case_id, after, order, limit).subquery()
    merged = union_all(select(entries), select(events)).subquery("chronology")
    if order == "asc":
        return select(merged).order_by(merged.c.occurred_at, merged.c.id).limit(limit)
    return select(merged).order_by(merged.c.occurred_at.desc(), merged.c.id.desc()).limit(limit)


def to_item(row: Any, config: RecordingConfig) -> ChronologyItem:
    """A chronology row for the response; entries take their type's configured label as title."""
    values = dict(row._mapping)
    if values["kind"] == "entry":
        values["title"] = config.entry_type_label(values["type"])
    return ChronologyItem.model_validate(values)


async def chronology_page(
    session: AsyncSession,
    principal: Principal,
    config: RecordingConfig,
    case_id: UUID,
    *,
    after: tuple[datetime, UUID] | None,
    order: Order,
    limit: int,
    include_withdrawn: bool,
) -> list[ChronologyItem]:
    """Up to limit+1 rows, so the caller can tell whether another page follows."""
    rows = (
        await session.execute(
            chronology_query(
                principal,
                case_id,
                after=after,
                order=order,
                limit=limit + 1,
                include_withdrawn=include_withdrawn,
            )
        )
    ).all()
    return [to_item(row, config) for row in rows]


def csv_safe(value: object) -> str:
    """Render a cell so a spreadsheet shows it as text rather than running it as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_line(values: Sequence[object]) -> str:
    """One CSV record (RFC 4180 quoting)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([csv_safe(v) for v in values])
    return buffer.getvalue()


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


async def stream_csv(
    sessionmaker: async_sessionmaker[AsyncSession],
    principal: Principal,
    config: RecordingConfig,
    case_id: UUID,
    *,
    order: Order,
    include_withdrawn: bool,
) -> AsyncIterator[bytes]:
    """Stream the whole chronology in keyset batches, under the same access rules as the page.

    The request's unit of work has committed by the time the body streams, so the export reads
    through a session of its own, one snapshot for the whole file.
    """
    yield csv_line(CSV_COLUMNS).encode()
    async with sessionmaker() as session:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        after: tuple[datetime, UUID] | None = None
        while True:
            rows = (
                await session.execute(
                    chronology_query(
                        principal,
                        case_id,
                        after=after,
                        order=order,
                        limit=EXPORT_BATCH,
                        include_withdrawn=include_withdrawn,
                    )
                )
            ).all()
            if not rows:
                break
            chunk = "".join(csv_line(item_cells(to_item(row, config))) for row in rows)
            yield chunk.encode()
            if len(rows) < EXPORT_BATCH:
                break
            after = (rows[-1].occurred_at, rows[-1].id)
        await session.rollback()
