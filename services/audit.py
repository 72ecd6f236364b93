"""The audit log: who did what to which record, when, why and with what outcome.

Rows are appended inside the request's unit of work just before it commits, so the audit record
and the change commit together and the chain's lock (taken by the database trigger) is held only
for the last moments of the transaction. Denials are written even when the request rolls back.
The chain itself is built by the trigger in services/audit_ddl.py; `verify_chain` recomputes it
here, independently, to report the first broken link.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

from fastapi import Request
from pydantic_core import to_jsonable_python
from sqlalchemy import MetaData, Table, Text, insert, select
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from services.db import add_after_rollback, add_before_commit, sessionmaker_from
from services.disconnect import aborted_by_client
from services.idempotency import PRINCIPAL_SCOPE_KEY
from services.kernel_tables import GENESIS_HASH, define_kernel_tables
from services.principal import Principal
from services.registry import UNITS
from services.request_context import current_request_id
from services.settings import async_database_url

log = logging.getLogger(__name__)

# "aborted": the client went away before the request finished; nothing it did was committed.
Outcome = Literal["success", "denied", "not_found", "error", "aborted"]
ANONYMOUS = "anonymous"
_SEPARATOR = "\x1f"
_QUEUE_KEY = "fsm.audit.queue"


@dataclass(frozen=True)
class AuditEvent:
    """One auditable act; `details` holds ids, counts and field names, never case narrative."""

    action: str
    resource_type: str
    resource_id: str | None
    case_id: UUID | None
    purpose: str
    outcome: Outcome = "success"
    details: dict[str, Any] = field(default_factory=dict)


Actor = Principal | str


def _actor_columns(actor: Actor) -> tuple[str, UUID | None]:
    if isinstance(actor, Principal):
        return actor.subject, actor.practitioner_id
    return actor, None


def _check_text(name: str, value: str | None) -> None:
    # The canonical form joins fields with 0x1f; a value containing it could forge a boundary.
    if value is not None and _SEPARATOR in value:
        raise ValueError(f"audit field {name} must not contain the unit separator")


def _row(actor: Actor, request_id: str, event: AuditEvent) -> dict[str, Any]:
    subject, practitioner_id = _actor_columns(actor)
    for name, value in (
        ("actor_subject", subject),
        ("action", event.action),
        ("resource_type", event.resource_type),
        ("resource_id", event.resource_id),
        ("purpose", event.purpose),
        ("outcome", event.outcome),
        ("request_id", request_id),
    ):
        _check_text(name, value)
    return {
        "id": uuid.uuid4(),
        "actor_subject": subject,
        "actor_practitioner_id": practitioner_id,
        "action": event.action,
        "resource_type": event.resource_type,
        "resource_id": event.resource_id,
        "case_id": event.case_id,
        "purpose": event.purpose,
        "outcome": event.outcome,
        "request_id": request_id,
        "details": to_jsonable_python(event.details),
    }


async def write_audit(
    session: AsyncSession,
    table: Table,
    *,
    actor: Actor,
    request_id: str,
    events: Sequence[AuditEvent],
) -> list[int]:
    """Append events in the session's transaction and return their sequence numbers."""
    if not events:
        return []
    rows = [_row(actor, request_id, event) for event in events]
    # seq, prev_hash, hash and occurred_at are left to the trigger: the chain is the database's.
    result = await session.execute(insert(table).returning(table.c.seq), rows)
    return [int(seq) for seq in result.scalars()]


async def audit_outside_request(
    sessionmaker: async_sessionmaker[AsyncSession],
    table: Table,
    *,
    actor: Actor,
    request_id: str,
    events: Sequence[AuditEvent],
) -> list[int]:
    """Append events in a short transaction of their own (for denials whose request rolls back)."""
    async with sessionmaker() as session, session.begin():
        return await write_audit(session, table, actor=actor, request_id=request_id, events=events)


def _request_actor(request: Request) -> Actor:
    principal = request.scope.get(PRINCIPAL_SCOPE_KEY)
    return principal if isinstance(principal, Principal) else ANONYMOUS


def audit(request: Request, event: AuditEvent) -> None:
    """Queue an event to be written in the request's unit of work just before it commits.

    If the unit of work rolls back instead, events that record a denial, a miss or an error are
    still written in a transaction of their own; successes that did not happen are not.
    """
    if request.scope.get("fsm.session") is None:
        # Without a unit of work nothing would ever write the queue: fail loudly, not silently.
        raise RuntimeError("audit() needs the request's unit of work (DbSession)")
    queue: list[AuditEvent] | None = request.scope.get(_QUEUE_KEY)
    if queue is not None:
        queue.append(event)
        return
    queue = [event]
    request.scope[_QUEUE_KEY] = queue
    table: Table = request.app.state.kernel.audit_log

    async def write_before_commit(session: AsyncSession) -> None:
        await write_audit(
            session,
            table,
            actor=_request_actor(request),
            request_id=current_request_id(),
            events=queue,
        )

    async def write_after_rollback() -> None:
        if aborted_by_client(request.scope):
            # A success the client never received (a read, a change rolled back) did not happen.
            queue[:] = [
                replace(e, outcome="aborted") if e.outcome == "success" else e for e in queue
            ]
        unsuccessful = [e for e in queue if e.outcome != "success"]
        if not unsuccessful:
            return
        try:
            await audit_outside_request(
                sessionmaker_from(request),
                table,
                actor=_request_actor(request),
                request_id=current_request_id(),
                events=unsuccessful,
            )
        except Exception:
            # Logged rather than raised: the client must still get the original error.
            log.exception("could not write %d audit events after rollback", len(unsuccessful))

    add_before_commit(request, write_before_commit)
    add_after_rollback(request, write_after_rollback)


async def audit_now(request: Request, event: AuditEvent) -> None:
    """Write an event at once in its own transaction, whatever becomes of the request's."""
    await audit_outside_request(
        sessionmaker_from(request),
        request.app.state.kernel.audit_log,
        actor=_request_actor(request),
        request_id=current_request_id(),
        events=[event],
    )


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verifying one audit chain."""

    checked: int
    first_broken_seq: int | None
    reason: str | None
    head_hash: str = GENESIS_HASH

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def format_occurred_at(value: datetime) -> str:
    """Render a timestamp exactly as the trigger's to_char(... 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')."""
    utc = value.astimezone(UTC)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


def row_hash(row: Any, prev_hash: str) -> str:
    """Recompute a row's hash from its columns (`details` as PostgreSQL's jsonb text)."""
    parts = [
        prev_hash,
        str(row.seq),
        str(row.id),
        format_occurred_at(row.occurred_at),
        row.actor_subject,
        "" if row.actor_practitioner_id is None else str(row.actor_practitioner_id),
        row.action,
        row.resource_type,
        row.resource_id or "",
        "" if row.case_id is None else str(row.case_id),
        row.purpose,
        row.outcome,
        row.request_id,
        row.details_text,
    ]
    return hashlib.sha256(_SEPARATOR.join(parts).encode("utf-8")).hexdigest()


def _chain_query(table: Table, after_seq: int, batch: int) -> Any:
    c = table.c
    return (
        select(
            c.seq,
            c.id,
            c.occurred_at,
            c.actor_subject,
            c.actor_practitioner_id,
            c.action,
            c.resource_type,
            c.resource_id,
            c.case_id,
            c.purpose,
            c.outcome,
            c.request_id,
            # The trigger hashes jsonb's own text form; re-serialising in Python could differ.
            c.details.cast(Text).label("details_text"),
            c.prev_hash,
            c.hash,
        )
        .where(c.seq > after_seq)
        .order_by(c.seq)
        .limit(batch)
    )


async def verify_chain(
    conn: AsyncConnection | AsyncSession, table: Table, *, batch: int = 5000
) -> ChainReport:
    """Walk the chain in seq order, in bounded batches, and report its first broken link."""
    checked = 0
    expected_seq = 1
    prev_hash = GENESIS_HASH
    while True:
        rows = (await conn.execute(_chain_query(table, expected_seq - 1, batch))).all()
        for row in rows:
            checked += 1
            if row.seq != expected_seq:
                return ChainReport(
                    checked, expected_seq, f"seq {expected_seq} is missing (next is {row.seq})"
                )
            if row.prev_hash != prev_hash:
                return ChainReport(
                    checked, row.seq, f"prev_hash of seq {row.seq} does not match the row before"
                )
            try:
                recomputed = row_hash(row, prev_hash)
            except (ValueError, OverflowError, TypeError):
                return ChainReport(checked, row.seq, f"seq {row.seq} cannot be read")
            if recomputed != row.hash:
                return ChainReport(
                    checked, row.seq, f"hash of seq {row.seq} does not match its contents"
                )
            prev_hash = row.hash
            expected_seq += 1
        if len(rows) < batch:
            return ChainReport(checked, None, None, prev_hash)


@dataclass(frozen=True)
class Anchor:
    """A chain position recorded outside the database, e.g. in write-once storage.

    A hash chain alone cannot show that its newest rows were cut off; an anchor taken earlier
    can: the row at `seq` must still exist with the same hash.
    """

    seq: int
    hash: str


async def verify_all(
    database_url: str, *, batch: int = 5000, anchors: Mapping[str, Anchor] | None = None
) -> dict[str, ChainReport]:
    """Verify every unit's audit chain, each from one consistent snapshot, against anchors."""
    engine = create_async_engine(async_database_url(database_url), poolclass=NullPool)
    reports: dict[str, ChainReport] = {}
    try:
        for unit in UNITS:
            table = define_kernel_tables(MetaData(schema=unit.schema)).audit_log
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="REPEATABLE READ")
                async with conn.begin():
                    await conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                    report = await verify_chain(conn, table, batch=batch)
                    anchor = (anchors or {}).get(unit.schema)
                    if report.ok and anchor is not None:
                        held = await conn.scalar(
                            select(table.c.hash).where(table.c.seq == anchor.seq)
                        )
                        if held != anchor.hash:
                            report = ChainReport(
                                checked=report.checked,
                                first_broken_seq=anchor.seq,
                                reason="anchor: the recorded row is missing or differs",
                                head_hash=report.head_hash,
                            )
                    reports[unit.schema] = report
    finally:
        await engine.dispose()
    return reports
