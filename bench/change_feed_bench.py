"""Benchmark what the change feed costs: capture on writes, and reading pages (run by hand).

    .venv/bin/python bench/change_feed_bench.py [--seconds 3] [--people 50000]

(a) One-row writes: 4 connections in closed loops, each transaction inserting one family (a
    captured table, and the cheapest one: the worst case for the trigger's share), with the
    capture triggers on and off, interleaved four times; median transactions/s, ratio on/off.
(b) Bulk, as an import writes: `--people` people, four to a family (1,000 families), 1,000
    rows per INSERT statement (one transaction each), and the same rows by COPY, with the
    triggers on and off; rows/s and the ratios. The statement-level triggers append one log
    row per family a statement touched, not one per person.
(c) Reading: a log of 200,000 rows over 2,000 cases; `ChangeFeed.read` (the code the endpoints
    run) for a practitioner with 20 cases and a manager with 200: the first read (a page of 100
    from the origin), a read that finds nothing new (the common poll), a read with 10 new
    changes, and a read after a case with 100 records comes into sight; p50/p99 of 100 reads
    each, and the ratio of each to a plain indexed `SELECT` of the same cases in the same run.

Everything runs in this process against a throwaway database (TEST_DATABASE_URL /
DATABASE_URL, or the embedded server), migrated and dropped afterwards. The machine is shared
and noisy: the ratios measured in one run are the figures that matter.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway_bench import throwaway_database  # noqa: E402

from services.change_feed.feed import ChangeFeed, Sight, Sighted  # noqa: E402
from services.migrate import upgrade_all  # noqa: E402
from services.settings import async_database_url  # noqa: E402
from workbook_api.models import kernel  # noqa: E402

CONNECTIONS: Final = 4
TEAM: Final = uuid.uuid4()
CAPTURED: Final = ("family", "person")
Reader = Callable[[], Awaitable[None]]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def set_capture(conn: asyncpg.Connection, on: bool) -> None:
    verb = "ENABLE" if on else "DISABLE"
    for table in CAPTURED:
        for trigger in ("capture_change_insert", "capture_change_update"):
            await conn.execute(f"ALTER TABLE workbook.{table} {verb} TRIGGER {trigger}")


async def one_row_writes(dsn: str, seconds: float) -> float:
    """Transactions/s of one-family inserts over CONNECTIONS connections for `seconds`."""
    count = 0
    deadline = time.monotonic() + seconds

    async def loop() -> None:
        nonlocal count
        conn = await asyncpg.connect(dsn)
        try:
            while time.monotonic() < deadline:
                await conn.execute(
                    "INSERT INTO workbook.family (id, name, owning_team_id,"
                    " created_by_practitioner_id, version) VALUES ($1, 'Bench', $2, $2, 1)",
                    uuid.uuid4(),
                    TEAM,
                )
                count += 1
        finally:
            await conn.close()

    started = time.monotonic()
    await asyncio.gather(*(loop() for _ in range(CONNECTIONS)))
    return count / (time.monotonic() - started)


async def families(conn: asyncpg.Connection, n: int) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(n)]
    await conn.executemany(
        "INSERT INTO workbook.family (id, name, owning_team_id, created_by_practitioner_id,"
        " version) VALUES ($1, 'Bench', $2, $2, 1)",
        [(i, TEAM) for i in ids],
    )
    return ids


def people_rows(family_ids: list[uuid.UUID], n: int) -> list[tuple[Any, ...]]:
    """People four to a family, a family's members together (as an extract lists them)."""
    return [
        (uuid.uuid4(), family_ids[(i // 4) % len(family_ids)], "child", "Bench", "Person", 1)
        for i in range(n)
    ]


async def bulk_inserts(conn: asyncpg.Connection, rows: list[tuple[Any, ...]]) -> float:
    started = time.monotonic()
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        await conn.execute(
            "INSERT INTO workbook.person (id, family_id, role, given_name, family_name, version)"
            " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],"
            " $6::int[])",
            *[list(column) for column in zip(*chunk, strict=True)],
        )
    return len(rows) / (time.monotonic() - started)


async def bulk_copy(conn: asyncpg.Connection, rows: list[tuple[Any, ...]]) -> float:
    started = time.monotonic()
    await conn.copy_records_to_table(
        "person",
        schema_name="workbook",
        records=rows,
        columns=["id", "family_id", "role", "given_name", "family_name", "version"],
    )
    return len(rows) / (time.monotonic() - started)


async def bench_writes(dsn: str, seconds: float, people: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        rates: dict[bool, list[float]] = {True: [], False: []}
        for on in (True, False) * 4:
            await set_capture(conn, on)
            rates[on].append(await one_row_writes(dsn, seconds))
        on_rate, off_rate = statistics.median(rates[True]), statistics.median(rates[False])
        print(
            f"(a) one-family transactions, {CONNECTIONS} connections: capture on {on_rate:,.0f}/s,"
            f" off {off_rate:,.0f}/s, ratio on/off x{on_rate / off_rate:.2f}"
        )
        family_ids = await families(conn, 1000)
        results: dict[tuple[str, bool], float] = {}
        for on in (True, False):
            await set_capture(conn, on)
            results["insert", on] = await bulk_inserts(conn, people_rows(family_ids, people))
            results["copy", on] = await bulk_copy(conn, people_rows(family_ids, people))
        await set_capture(conn, True)
        for how in ("insert", "copy"):
            on_rate, off_rate = results[how, True], results[how, False]
            print(
                f"(b) {people:,} people by {how}: capture on {on_rate:,.0f} rows/s, off"
                f" {off_rate:,.0f} rows/s, ratio on/off x{on_rate / off_rate:.2f}"
            )
        logged = await conn.fetchval(
            "SELECT count(*) FROM workbook.change_log WHERE kind = 'family'"
            " AND record_id = ANY($1::uuid[])",
            family_ids,
        )
        print(
            f"    log rows for the people's families: {logged:,} (one per family per statement:"
            " 250 a statement of 1,000 people)"
        )
    finally:
        await conn.close()


async def seed_log(conn: asyncpg.Connection, cases: list[uuid.UUID], per_case: int) -> None:
    """Synthetic log rows: per_case changes for every case, interleaved across cases."""
    for round_ in range(per_case):
        await conn.execute(
            "INSERT INTO workbook.change_log (kind, record_id, scope_id)"
            " SELECT 'entry', gen_random_uuid(), c FROM unnest($1::uuid[]) AS c",
            cases,
        )
        if round_ % 20 == 0:
            await conn.execute("ANALYZE workbook.change_log")


async def timed(reads: int, read: Reader) -> list[float]:
    samples = []
    for _ in range(reads):
        started = time.perf_counter()
        await read()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def bench_reads(url: str, dsn: str, reads: int) -> None:
    conn = await asyncpg.connect(dsn)
    cases = [uuid.uuid4() for _ in range(2000)]
    try:
        await seed_log(conn, cases, 100)
        await conn.execute("ANALYZE workbook.change_log")
    finally:
        await conn.close()
    engine = create_async_engine(async_database_url(url), pool_size=2)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    feed = ChangeFeed(kernel.changes, "bench")

    def sight(ids: list[uuid.UUID]) -> Sight:
        return Sight({case: Sighted("case", "x") for case in ids})

    async def page(subject: str, ids: list[uuid.UUID], cursor: str | None) -> Any:
        async with sessions() as session, session.begin():
            return await feed.read(
                session, subject=subject, cursor=cursor, limit=100, sight=sight(ids)
            )

    async def baseline(ids: list[uuid.UUID]) -> None:
        async with sessions() as session, session.begin():
            await session.execute(
                kernel.changes.log.select()
                .where(kernel.changes.log.c.scope_id.in_(ids))
                .order_by(kernel.changes.log.c.position.desc())
                .limit(100)
            )

    def reading(subject: str, ids: list[uuid.UUID], cursor: str | None) -> Reader:
        async def read() -> None:
            await page(subject, ids, cursor)

        return read

    def selecting(ids: list[uuid.UUID]) -> Reader:
        async def read() -> None:
            await baseline(ids)

        return read

    try:
        groups = (("practitioner, 20 cases", cases[:20]), ("manager, 200 cases", cases[:200]))
        for label, ids in groups:
            subject = f"bench-{uuid.uuid4().hex[:8]}"
            base = await timed(reads, selecting(ids))
            first = await timed(reads, reading(subject, ids, None))
            cursor = None
            while True:  # read to the end once, to have a caught-up cursor
                result = await page(subject, ids, cursor)
                cursor = result.next_cursor
                if not result.more:
                    break
            quiet = await timed(reads, reading(subject, ids, cursor))
            conn = await asyncpg.connect(dsn)
            try:
                await conn.execute(
                    "INSERT INTO workbook.change_log (kind, record_id, scope_id)"
                    " SELECT 'entry', gen_random_uuid(), $1 FROM generate_series(1, 10)",
                    ids[0],
                )
            finally:
                await conn.close()
            ten = await timed(reads, reading(subject, ids, cursor))
            backfill = await timed(reads, reading(subject, [*ids, cases[-1]], cursor))
            base_p50 = statistics.median(base)
            print(f"(c) {label}: plain indexed SELECT of their cases p50 {base_p50:.2f} ms")
            for name, samples in (
                ("first page from the origin", first),
                ("nothing new (a poll)", quiet),
                ("10 new changes", ten),
                ("a case of 100 records comes into sight", backfill),
            ):
                p50 = statistics.median(samples)
                print(
                    f"    {name}: p50 {p50:.2f} ms, p99 {percentile(samples, 0.99):.2f} ms,"
                    f" x{p50 / base_p50:.1f} the plain SELECT"
                )
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per write round (3)")
    parser.add_argument("--people", type=int, default=50_000, help="people per bulk load")
    parser.add_argument("--reads", type=int, default=100, help="reads per read scenario")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    with throwaway_database(ROOT / ".fsm") as (url, where):
        print(f"database: throwaway database on the {where}")
        upgrade_all(url)
        dsn = async_database_url(url).replace("postgresql+asyncpg://", "postgresql://")
        asyncio.run(bench_writes(dsn, args.seconds, args.people))
        asyncio.run(bench_reads(url, dsn, args.reads))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
