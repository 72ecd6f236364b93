"""The transactional outbox: events are rows written in the same transaction as the change.

Nothing here commits. If the change rolls back, so does its event; if it commits, the relay
(services/relay.py) delivers the event at least once to every subscriber of its type.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from pydantic_core import to_jsonable_python
from sqlalchemy import Table, func, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.events import CloudEvent
from services.tracing import current_traceparent

# Reverse-DNS event types ("uk.gov.fsm.workbook.case.opened") and path-like sources ("/workbook").
_TYPE = re.compile(r"^[a-z0-9]+(\.[a-z0-9_]+)+$")
_SOURCE = re.compile(r"^/[A-Za-z0-9._~/-]*$")
# Where `batched_publishing` collects the rows of events published inside it.
_BATCH_KEY = "fsm.outbox_batch"


async def publish(
    session: AsyncSession,
    table: Table,
    *,
    type: str,
    source: str,
    subject: str | None,
    data: dict[str, Any],
    team_id: UUID | None,
) -> UUID:
    """Add a CloudEvent to the outbox in the caller's transaction and return its id."""
    if not _TYPE.match(type):
        raise ValueError(f"event type {type!r} is not reverse-DNS style")
    if not _SOURCE.match(source):
        raise ValueError(f"event source {source!r} must be a path such as /workbook")
    event_id = uuid.uuid4()
    values = {
        "id": event_id,
        "type": type,
        "source": source,
        "subject": subject,
        "time": datetime.now(UTC),
        "data": to_jsonable_python(data),
        "team_id": team_id,
        # The request that wrote the event, so its consumers' work joins the same trace.
        "traceparent": current_traceparent(),
    }
    batch: list[tuple[Table, dict[str, Any]]] | None = session.info.get(_BATCH_KEY)
    if batch is not None:
        batch.append((table, values))
    else:
        await session.execute(insert(table).values(**values))
    return event_id


@asynccontextmanager
async def batched_publishing(session: AsyncSession) -> AsyncIterator[None]:
    """Write the events published inside the block with one statement per table, at its end.

    For bulk work (an import applies thousands of records a transaction) that publishes
    through the same functions as one record's change: the events are the same, in the same
    order, in the same transaction; only the round trips are fewer. Nothing is written if
    the block raises.
    """
    if session.info.get(_BATCH_KEY) is not None:
        yield
        return
    batch: list[tuple[Table, dict[str, Any]]] = []
    session.info[_BATCH_KEY] = batch
    try:
        yield
    finally:
        session.info.pop(_BATCH_KEY, None)
    for table in dict.fromkeys(t for t, _ in batch):
        await _copy(session, table, [values for t, values in batch if t is table])


async def _copy(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Write outbox rows with COPY in the session's transaction (a fraction of INSERTs' cost)."""
    columns = list(rows[0])
    records = [
        tuple(json.dumps(row[c]) if c == "data" else row[c] for c in columns) for row in rows
    ]
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.copy_records_to_table(
        table.name, schema_name=table.schema, columns=columns, records=records
    )


def event_from_row(row: Any) -> CloudEvent:
    """Build the envelope for a stored outbox row."""
    return CloudEvent(
        specversion="1.0",
        id=row.id,
        source=row.source,
        type=row.type,
        subject=row.subject,
        time=row.time,
        data=row.data,
        team_id=row.team_id,
        traceparent=row.traceparent,
    )


async def revive_dead(
    session: AsyncSession, delivery_table: Table, *, subscriber: str | None = None
) -> int:
    """Schedule dead deliveries for another round of attempts; returns how many."""
    condition = delivery_table.c.delivered_at.is_(None) & delivery_table.c.last_error.like("dead:%")
    if subscriber is not None:
        condition &= delivery_table.c.subscriber == subscriber
    result = await session.execute(
        update(delivery_table)
        .where(condition)
        .values(attempts=0, next_attempt_at=func.now(), last_error=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
