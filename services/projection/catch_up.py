"""Catching a subscriber up: its publishers restate what they hold, addressed to it alone.

A unit that starts after cases exist (a new deployment), or whose projection was lost, needs
the present state, not the past's deliveries: `fsm events catch-up --to <unit>` asks each unit
that publishes to it for every record as it stands (a snapshot with its version) and writes
those into the publisher's outbox addressed to that one subscriber, already fanned out with one
delivery each. The publisher's relay then delivers them like any other event: signed, retried,
dead-lettered. The receiver applies them by version, so a snapshot it already holds, or one
older than a change delivered meanwhile, is a no-op; running the catch-up twice is harmless.

Why restate rather than redeliver past events: a receiver has recorded the ids of the events it
took (its inbox de-duplicates by id), including ones it took before it had a handler for them,
so old events redelivered would be skipped; events from before a contract existed cannot be
applied; and an outbox is not an event store to be kept forever. A restatement has new ids and
the current contract, and its cost follows the size of the record, not the length of its past.

A publisher says what it restates in `<package>/snapshots.py`:
`async def restatements(session: AsyncSession) -> AsyncIterator[Announcement]`. The kernel finds
it by module path, never by a static import (services/ may not depend on a unit).
"""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic_core import to_jsonable_python
from sqlalchemy import func, insert, pool, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from services.db import schema_metadata
from services.kernel_tables import KernelTables, define_kernel_tables
from services.registry import Unit
from services.settings import async_database_url
from services.subscriptions import SUBSCRIPTIONS, Subscription

log = logging.getLogger(__name__)

BATCH_SIZE = 500


@dataclass(frozen=True)
class Announcement:
    """An event a publisher would write: what `services.outbox.publish` takes, as a value."""

    type: str
    source: str
    subject: str | None
    data: dict[str, Any]
    team_id: UUID | None


Restatements = Callable[[AsyncSession], AsyncIterator[Announcement]]


@dataclass(frozen=True)
class CatchUpResult:
    """What one publisher restated to the subscriber."""

    publisher: str
    announced: int
    note: str


def restatements_module(unit: Unit) -> str:
    """The module path a publisher's restatements live at."""
    return f"{unit.package}.snapshots"


def load_restatements(unit: Unit) -> Restatements | None:
    """Import `<package>.snapshots` and return its `restatements`, or None when it has none."""
    name = restatements_module(unit)
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        # Only "this unit restates nothing" is benign; a missing import inside it is a bug.
        if exc.name in (name, unit.package):
            return None
        raise
    restatements = getattr(module, "restatements", None)
    if restatements is None or not callable(restatements):
        raise TypeError(f"{name} has no callable restatements(session)")
    typed: Restatements = restatements
    return typed


async def publish_to(
    session: AsyncSession,
    tables: KernelTables,
    subscriber: str,
    announcements: Sequence[Announcement],
) -> int:
    """Write events addressed to one subscriber only: fanned out already, one delivery each."""
    if not announcements:
        return 0
    now = await session.scalar(select(func.now()))
    rows = [
        {
            "id": uuid.uuid4(),
            "type": a.type,
            "source": a.source,
            "subject": a.subject,
            "time": now,
            "data": to_jsonable_python(a.data),
            "team_id": a.team_id,
            # The relay's fan-out would offer it to every subscriber of its type: it is not
            # theirs, so it never reaches the fan-out.
            "dispatched_at": now,
        }
        for a in announcements
    ]
    await session.execute(insert(tables.outbox_event), rows)
    await session.execute(
        insert(tables.outbox_delivery),
        [{"event_id": row["id"], "subscriber": subscriber} for row in rows],
    )
    return len(rows)


async def _restate(
    engine: AsyncEngine, subscription: Subscription, restatements: Restatements, batch_size: int
) -> int:
    tables = define_kernel_tables(schema_metadata(subscription.publisher.schema))
    receiver = subscription.receiver.name
    wanted = subscription.types
    announced = 0
    batch: list[Announcement] = []

    async def flush() -> None:
        nonlocal announced
        # One transaction per batch: an interrupted catch-up is simply run again.
        async with AsyncSession(engine) as writer, writer.begin():
            announced += await publish_to(writer, tables, receiver, batch)
        batch.clear()

    # Read on one connection while writing on another: the read streams through every record.
    async with AsyncSession(engine) as reader, reader.begin():
        async for announcement in restatements(reader):
            if announcement.type.startswith(wanted):
                batch.append(announcement)
            if len(batch) >= batch_size:
                await flush()
    await flush()
    return announced


async def catch_up(
    database_url: str, receiver: Unit, *, batch_size: int = BATCH_SIZE
) -> list[CatchUpResult]:
    """Have every unit that publishes to `receiver` restate its records to it; say what each did."""
    engine = create_async_engine(async_database_url(database_url), poolclass=pool.NullPool)
    results: list[CatchUpResult] = []
    try:
        for subscription in SUBSCRIPTIONS:
            if subscription.receiver is not receiver:
                continue
            publisher = subscription.publisher
            restatements = load_restatements(publisher)
            if restatements is None:
                note = f"restates nothing (no {restatements_module(publisher)} module)"
                results.append(CatchUpResult(publisher.name, 0, note))
                continue
            announced = await _restate(engine, subscription, restatements, batch_size)
            log.info("%s restated %d records to %s", publisher.name, announced, receiver.name)
            note = f"{publisher.name}'s relay delivers them to {receiver.name}"
            results.append(CatchUpResult(publisher.name, announced, note))
    finally:
        await engine.dispose()
    return results
