"""The audit sealer: gives committed audit rows their place in the hash chain, off the request path.

Requests insert audit rows unsealed and take no lock (services/audit.py). Every service process
runs a sealer beside it, like the outbox relay; each round is one short transaction that

1. takes the schema's sealing lock (`pg_try_advisory_xact_lock`): one active sealer per schema
   however many replicas run, the others simply skip the round;
2. reads the chain head and the oldest unsealed rows its snapshot can see, in bounded batches;
3. computes each row's seq, prev_hash and hash (services/audit_chain.py `link_hash`) and writes
   them, which the database allows once, from NULL, and for nothing else (services/audit_ddl.py).

Commit order. The sealer's statements run at READ COMMITTED, so a round sees exactly the rows
whose transactions had committed when its snapshot was taken. A row of a transaction still open
is not visible, so it is not sealed, not skipped and not waited for: it stays unsealed (seq IS
NULL) and the first round after its commit finds it, because a round selects by state (every
unsealed row), never by a high-water mark that a late commit could fall behind. The chain is
therefore the order in which rows became visible to successive rounds: every row in it was
committed before any row sealed in a later round could have been seen, and nothing is ever
inserted before a sealed row. Rows that became visible in the same round are ordered by their
transaction (`txid`, kept together) and then by insertion `position`; which of two transactions
in one round committed first is not recorded by PostgreSQL without track_commit_timestamp, and
the chain does not need it. A round that fills its batch stops at a transaction boundary
(unless one transaction alone exceeds the batch).

A sealer that dies mid-round loses nothing: its transaction rolls back, the lock goes with its
connection, and the next round (in any replica) seals the same rows. A sealer that lags only
delays sealing: requests never wait for it, since they neither take its lock nor touch the rows
it updates. The window in which a row can be altered without breaking the chain (by someone who
can switch the triggers off) is the sealing lag; `fsm audit verify` reports it.

No LISTEN/NOTIFY: a transaction that sends NOTIFY takes a database-wide lock while it commits,
which would put every request back in one queue. The sealer polls a partial index of unsealed
rows instead, on a connection kept for it (one query, no transaction): every
`poll_interval_seconds` (200 ms) while rows keep coming, backing off to
`idle_poll_interval_seconds` (1 s) when idle, and without pausing while batches come back full.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import MetaData, Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from services.audit_chain import content_columns, link_hash
from services.audit_ddl import quoted_identifier
from services.db import create_engine
from services.kernel_tables import GENESIS_HASH, define_kernel_tables
from services.registry import UNITS
from services.sealer_settings import SealerSettings
from services.settings import async_database_url

log = logging.getLogger(__name__)

LifespanHook = Callable[[FastAPI, AsyncExitStack], Awaitable[None]]


@dataclass(frozen=True)
class Round:
    """What one sealing round did."""

    sealed: int
    locked_out: bool = False
    full: bool = False


def _lock_key(table: Table) -> str:
    return f"audit-sealer:{table.schema}.{table.name}"


def _oldest_age(rows: list[Any], now: datetime) -> timedelta:
    oldest: datetime = min(row.occurred_at for row in rows)
    return now - oldest


def _whole_transactions(rows: list[Any], batch_size: int) -> list[Any]:
    """Drop a full batch's last transaction when it may continue past the batch."""
    if len(rows) < batch_size or rows[0].txid == rows[-1].txid:
        return rows
    last = rows[-1].txid
    return [row for row in rows if row.txid != last]


class AuditSealer:
    """Seal one schema's audit log in commit order."""

    def __init__(
        self, engine: AsyncEngine, table: Table, settings: SealerSettings | None = None
    ) -> None:
        self.engine = engine
        self.table = table
        self.settings = settings or SealerSettings()
        q = f"{quoted_identifier(str(table.schema))}.{quoted_identifier(table.name)}"
        # One statement for the whole batch; `seq IS NULL` makes a second seal impossible here
        # as the trigger makes it impossible everywhere.
        self._seal = text(
            f"UPDATE {q} AS a SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash"  # noqa: S608
            " FROM unnest(CAST(:positions AS bigint[]), CAST(:seqs AS bigint[]),"
            " CAST(:prev_hashes AS text[]), CAST(:hashes AS text[]))"
            " AS v(position, seq, prev_hash, hash)"
            " WHERE a.position = v.position AND a.seq IS NULL"
        )
        self._pending = select(table.c.position).where(table.c.seq.is_(None)).limit(1)

    async def seal_round(self, *, wait_for_lock: bool = False) -> Round:
        """Seal one batch of committed rows in one transaction; return what was done."""
        c = self.table.c
        async with self.engine.begin() as conn:
            if not await self._lock(conn, wait=wait_for_lock):
                return Round(0, locked_out=True)
            head = (
                await conn.execute(
                    select(c.seq, c.hash).where(c.seq.is_not(None)).order_by(c.seq.desc()).limit(1)
                )
            ).first()
            rows = list(
                (
                    await conn.execute(
                        select(
                            c.position,
                            c.txid,
                            *content_columns(self.table),
                            func.now().label("seen_at"),
                        )
                        .where(c.seq.is_(None))
                        .order_by(c.txid, c.position)
                        .limit(self.settings.batch_size)
                    )
                ).all()
            )
            if not rows:
                return Round(0)
            full = len(rows) == self.settings.batch_size
            rows = _whole_transactions(rows, self.settings.batch_size)
            seq, prev_hash = (head.seq, head.hash) if head is not None else (0, GENESIS_HASH)
            positions, seqs, prev_hashes, hashes = [], [], [], []
            for row in rows:
                seq += 1
                digest = link_hash(prev_hash, seq, row)
                positions.append(row.position)
                seqs.append(seq)
                prev_hashes.append(prev_hash)
                hashes.append(digest)
                prev_hash = digest
            result = await conn.execute(
                self._seal,
                {
                    "positions": positions,
                    "seqs": seqs,
                    "prev_hashes": prev_hashes,
                    "hashes": hashes,
                },
            )
            updated = int(getattr(result, "rowcount", -1))
            if updated != len(rows):
                # Only a sealer holding the lock writes seals; anything else is a fault: undo.
                raise RuntimeError(f"sealed {updated} of {len(rows)} audit rows; rolled back")
            age = _oldest_age(rows, rows[0].seen_at)
        if age.total_seconds() > self.settings.stale_after_seconds:
            log.warning(
                "sealed %d audit rows of %s; the oldest waited %.0f s",
                len(rows),
                self.table.schema,
                age.total_seconds(),
            )
        return Round(len(rows), full=full)

    async def _lock(self, conn: AsyncConnection, *, wait: bool) -> bool:
        key = {"key": _lock_key(self.table)}
        if wait:
            await conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), key)
            return True
        taken = await conn.scalar(
            text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))"), key
        )
        return bool(taken)

    async def seal_pending(self) -> int:
        """Seal every row committed before the call, waiting for another sealer if need be."""
        total = 0
        while True:
            done = await self.seal_round(wait_for_lock=True)
            total += done.sealed
            if not done.full:
                return total

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Seal until `stop` is set: at once while batches come back full, else every poll."""
        failures = 0
        interval = self.settings.poll_interval_seconds
        probe: AsyncConnection | None = None
        try:
            while not stop.is_set():
                full = False
                try:
                    if probe is None:
                        probe = await self._probe_connection()
                    if await probe.scalar(self._pending):
                        full = (await self.seal_round()).full
                        interval = self.settings.poll_interval_seconds
                    else:
                        interval = min(interval * 2, self.settings.idle_poll_interval_seconds)
                    failures = 0
                except Exception:
                    failures += 1
                    log.exception("audit sealing round failed (%d in a row)", failures)
                    await _discard(probe)
                    probe = None
                if full:
                    continue
                pause = interval * 2 ** min(failures, 10)
                with suppress(TimeoutError):
                    await asyncio.wait_for(
                        stop.wait(), timeout=min(pause, self.settings.max_backoff_seconds)
                    )
        finally:
            await _discard(probe)

    async def _probe_connection(self) -> AsyncConnection:
        # Idle polls are one indexed query on a connection kept for them, outside any
        # transaction: no pool checkout, ping, BEGIN or reset, a few times a second per process.
        conn = await self.engine.connect()
        return await conn.execution_options(isolation_level="AUTOCOMMIT")


async def _discard(conn: AsyncConnection | None) -> None:
    if conn is not None:
        with suppress(Exception):
            await conn.close()


def sealer_lifespan_hook(settings: SealerSettings | None = None) -> LifespanHook:
    """An `on_startup` hook that runs the audit sealer for the app's schema beside the service."""

    async def start(app: FastAPI, stack: AsyncExitStack) -> None:
        sealer_settings = settings or app.state.settings.audit_sealer
        # A small engine of its own: the sealer keeps a connection for its polls, and must
        # neither take one from the requests' pool nor wait behind them for one.
        engine = create_engine(
            app.state.settings,
            application_name=f"fsm-{app.state.unit.name}-audit-sealer",
            pool_size=1,
            max_overflow=1,
        )
        stack.push_async_callback(engine.dispose)
        sealer = AuditSealer(engine, app.state.kernel.audit_log, sealer_settings)
        stop = asyncio.Event()
        task = asyncio.create_task(sealer.run_forever(stop), name="audit-sealer")

        async def shut_down() -> None:
            stop.set()
            try:
                await asyncio.wait_for(task, timeout=sealer_settings.shutdown_grace_seconds)
            except TimeoutError:
                # Cancelled mid-round: its transaction rolls back and the next sealer redoes it.
                log.warning("audit sealer cancelled after the shutdown grace period")

        stack.push_async_callback(shut_down)
        app.state.audit_sealer = sealer

    return start


async def seal_all(database_url: str, settings: SealerSettings | None = None) -> dict[str, int]:
    """Seal every unit's pending audit rows now; return how many each schema sealed."""
    engine = create_async_engine(async_database_url(database_url), poolclass=NullPool)
    sealed: dict[str, int] = {}
    try:
        for unit in UNITS:
            table = define_kernel_tables(MetaData(schema=unit.schema)).audit_log
            sealed[unit.schema] = await AuditSealer(engine, table, settings).seal_pending()
    finally:
        await engine.dispose()
    return sealed
