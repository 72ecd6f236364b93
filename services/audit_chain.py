"""The audit hash chain: its canonical form (in one place), and the verifier.

Canonical form. The hash of the record at chain position `seq` is the lowercase hex SHA-256 of
the UTF-8 bytes of these fields joined with the unit separator (0x1f, which no stored text
field may contain: services/audit.py refuses it on the way in):

    prev_hash, seq, id, occurred_at, actor_subject, actor_practitioner_id, action,
    resource_type, resource_id, case_id, purpose, outcome, request_id, details

where prev_hash is the previous record's hash (64 zeros before the first record), seq is in
decimal, ids are UUIDs in their hyphenated lowercase form, occurred_at is UTC as
`YYYY-MM-DDTHH:MM:SS.ffffffZ`, a missing value (practitioner, resource, case) is the empty
string, and details is PostgreSQL's own text form of the jsonb value (`details::text`), so that
no JSON re-serialisation can differ. The sealer (services/audit_sealer.py) and the verifier
below both call `link_hash`: sealing and checking cannot drift apart. The form is the one the
v1 trigger computed in SQL, so chains sealed before kernel step v2 verify unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import MetaData, Table, Text, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from services.kernel_tables import GENESIS_HASH, define_kernel_tables
from services.registry import UNITS
from services.settings import async_database_url

SEPARATOR = "\x1f"


def format_occurred_at(value: datetime) -> str:
    """Render a timestamp in the canonical form, 'YYYY-MM-DDTHH:MM:SS.ffffffZ' in UTC."""
    utc = value.astimezone(UTC)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond:06d}Z"
    )


def link_hash(prev_hash: str, seq: int, row: Any) -> str:
    """Hash a record's content at chain position `seq` after `prev_hash` (the canonical form)."""
    parts = [
        prev_hash,
        str(seq),
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
    return hashlib.sha256(SEPARATOR.join(parts).encode("utf-8")).hexdigest()


def row_hash(row: Any, prev_hash: str) -> str:
    """Recompute a sealed row's hash from its columns (`details` as PostgreSQL's jsonb text)."""
    return link_hash(prev_hash, row.seq, row)


def content_columns(table: Table) -> list[Any]:
    """The columns the canonical form reads, `details` as its jsonb text."""
    c = table.c
    return [
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
        # Hash jsonb's own text form: re-serialising in Python could differ.
        c.details.cast(Text).label("details_text"),
    ]


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verifying one audit chain, and what is still waiting to be sealed."""

    checked: int
    first_broken_seq: int | None
    reason: str | None
    head_hash: str = GENESIS_HASH
    unsealed: int = 0
    oldest_unsealed_age: timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None

    def stale(self, threshold: timedelta) -> bool:
        """Tell whether a committed row has waited longer than `threshold` to be sealed."""
        age = self.oldest_unsealed_age
        return age is not None and age > threshold


def _chain_query(table: Table, after_seq: int, batch: int) -> Any:
    c = table.c
    return (
        select(c.seq, *content_columns(table), c.prev_hash, c.hash)
        .where(c.seq > after_seq)
        .order_by(c.seq)
        .limit(batch)
    )


async def _unsealed(
    conn: AsyncConnection | AsyncSession, table: Table
) -> tuple[int, timedelta | None]:
    c = table.c
    count, oldest, now = (
        await conn.execute(
            select(func.count(), func.min(c.occurred_at), func.now()).where(c.seq.is_(None))
        )
    ).one()
    return int(count), None if oldest is None else now - oldest


async def verify_chain(
    conn: AsyncConnection | AsyncSession, table: Table, *, batch: int = 5000
) -> ChainReport:
    """Walk the sealed chain in seq order, in bounded batches, and report its first broken link.

    Rows not sealed yet are counted, with the age of the oldest, but are not part of the chain.
    """
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
            unsealed, oldest = await _unsealed(conn, table)
            return ChainReport(checked, None, None, prev_hash, unsealed, oldest)


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
                                unsealed=report.unsealed,
                                oldest_unsealed_age=report.oldest_unsealed_age,
                            )
                    reports[unit.schema] = report
    finally:
        await engine.dispose()
    return reports
