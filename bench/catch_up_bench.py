"""How long a workflow service takes to catch up with the workbook (`fsm events catch-up`).

On a throwaway database, the workbook is given N cases with A allocations each (bulk SQL), then:
(1) restating: `catch_up(url, SUPERVISION)` writes one event and one delivery per record into
    the workbook's outbox, against a baseline in the same run: the same rows written by one
    `INSERT ... SELECT` per table into scratch copies of those tables;
(2) delivering: the real relay (services/relay.py) delivers them, signed, to supervision's real
    app over ASGI in this process, which applies each through its inbox; against a baseline in
    the same run: the same snapshots applied with the projection's own upserts, one
    transaction each, with no HTTP, signature or inbox.
It prints rates and their ratios, and checks the projection ends equal to the workbook.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Final

import httpx
from fastapi import FastAPI
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway_bench import throwaway_database  # noqa: E402  (bench/ is the script's directory)

from services.event_contracts import AllocationSnapshot, CaseSnapshot  # noqa: E402
from services.migrate import upgrade_all  # noqa: E402
from services.projection import apply  # noqa: E402
from services.projection.catch_up import catch_up  # noqa: E402
from services.projection.tables import define_projection_tables  # noqa: E402
from services.registry import SUPERVISION  # noqa: E402
from services.relay import OutboxRelay, RelaySettings, Subscriber  # noqa: E402
from services.settings import KernelSettings, async_database_url  # noqa: E402

# The relay signs with it and the inbox checks it: made for this run only.
SECRET: Final = secrets.token_urlsafe(32)
SCRATCH: Final = "bench_catch_up"

_WORKBOOK_DDL: Final = (
    """
    INSERT INTO workbook.family (id, name, owning_team_id, created_by_practitioner_id, version)
    SELECT md5('family' || n)::uuid, 'Bench family ' || n, :team, :manager, 1
    FROM generate_series(1, :cases) AS n
    """,
    """
    INSERT INTO workbook.safeguarding_case (id, family_id, owning_team_id, status, opened_at,
        opened_reason, opened_by_practitioner_id, closed_at, closed_reason, version)
    SELECT md5('case' || n)::uuid, md5('family' || n)::uuid, :team,
        CASE WHEN n % 4 = 0 THEN 'closed' ELSE 'open' END, now() - interval '90 days',
        'Bench', :manager, CASE WHEN n % 4 = 0 THEN now() - interval '1 day' END,
        CASE WHEN n % 4 = 0 THEN 'Bench' END, 1 + (n % 4 = 0)::int
    FROM generate_series(1, :cases) AS n
    """,
    """
    INSERT INTO workbook.episode (id, case_id, number, opened_at, opened_by_event)
    SELECT md5('episode' || n)::uuid, md5('case' || n)::uuid, 1, now() - interval '90 days',
        'case_opened'
    FROM generate_series(1, :cases) AS n
    """,
    """
    INSERT INTO workbook.allocation (id, case_id, practitioner_id, practitioner_name, discipline,
        is_allocated_social_worker, starts_at, allocated_by_practitioner_id, version)
    SELECT md5('allocation' || n || '.' || a)::uuid, md5('case' || n)::uuid,
        md5('practitioner' || (n * 7 + a) % 200)::uuid, 'Bench practitioner',
        CASE WHEN a = 1 THEN 'social_worker' ELSE 'recovery_worker' END, a = 1,
        now() - interval '90 days' + a * interval '1 hour', :manager, 1
    FROM generate_series(1, :cases) AS n, generate_series(1, :allocations) AS a
    """,
)

# The baseline for (1): the same rows, the JSON built by PostgreSQL, one statement per table.
_BASELINE_DDL: Final = (
    f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE",
    f"CREATE SCHEMA {SCRATCH}",
    f"CREATE TABLE {SCRATCH}.outbox_event (LIKE workbook.outbox_event INCLUDING ALL)",
    f"CREATE TABLE {SCRATCH}.outbox_delivery (LIKE workbook.outbox_delivery INCLUDING ALL)",
)
_BASELINE_WRITES: Final = (
    f"""
    INSERT INTO {SCRATCH}.outbox_event (id, type, source, subject, time, data, team_id,
        dispatched_at)
    SELECT gen_random_uuid(), 'uk.gov.fsm.workbook.case.restated', '/workbook',
        'cases/' || c.id, now(), jsonb_build_object('case_id', c.id, 'family_id', c.family_id,
        'owning_team_id', c.owning_team_id, 'status', c.status, 'opened_at', c.opened_at,
        'closed_at', c.closed_at, 'episode_number',
        (SELECT max(number) FROM workbook.episode e WHERE e.case_id = c.id),
        'version', c.version), c.owning_team_id, now()
    FROM workbook.safeguarding_case c
    """,  # noqa: S608 - a constant schema name
    f"""
    INSERT INTO {SCRATCH}.outbox_event (id, type, source, subject, time, data, team_id,
        dispatched_at)
    SELECT gen_random_uuid(), 'uk.gov.fsm.workbook.allocation.restated', '/workbook',
        'cases/' || a.case_id || '/allocations/' || a.id, now(),
        jsonb_build_object('allocation_id', a.id, 'case_id', a.case_id, 'practitioner_id',
        a.practitioner_id, 'discipline', a.discipline, 'is_allocated_social_worker',
        a.is_allocated_social_worker, 'starts_at', a.starts_at, 'ends_at', a.ends_at,
        'version', a.version, 'change', 'restated'), c.owning_team_id, now()
    FROM workbook.allocation a JOIN workbook.safeguarding_case c ON c.id = a.case_id
    """,  # noqa: S608
    f"""
    INSERT INTO {SCRATCH}.outbox_delivery (event_id, subscriber)
    SELECT id, 'supervision' FROM {SCRATCH}.outbox_event
    """,  # noqa: S608
)


async def populate(engine: AsyncEngine, cases: int, allocations: int) -> int:
    """Give the workbook its cases and allocations; return how many records that is."""
    params = {"team": uuid.uuid4(), "manager": uuid.uuid4()}
    async with engine.begin() as connection:
        for statement in _WORKBOOK_DDL:
            await connection.execute(
                text(statement), {**params, "cases": cases, "allocations": allocations}
            )
    return cases * (1 + allocations)


async def baseline_restating(engine: AsyncEngine) -> float:
    """Seconds for the SQL-only writes of the same rows."""
    async with engine.begin() as connection:
        for statement in _BASELINE_DDL:
            await connection.execute(text(statement))
    started = time.perf_counter()
    async with engine.begin() as connection:
        for statement in _BASELINE_WRITES:
            await connection.execute(text(statement))
    seconds = time.perf_counter() - started
    async with engine.begin() as connection:
        await connection.execute(text(_BASELINE_DDL[0]))
    return seconds


async def delivering(url: str, expected: int) -> float:
    """Seconds for the relay to deliver every restatement to supervision's inbox."""
    from services.dev_keys import ensure_dev_keys
    from supervision_api.app import create_app

    with tempfile.TemporaryDirectory(prefix="fsm-bench-keys-") as keys:
        ensure_dev_keys(Path(keys))
        settings = KernelSettings(
            environment="test",
            database_url=url,
            state_dir=Path(keys),
            inbox_secrets=(SECRET,),
            log_level="WARNING",
        )
        return await _deliver(create_app(settings), expected)


async def _deliver(app: FastAPI, expected: int) -> float:
    from services.db import schema_metadata
    from services.kernel_tables import define_kernel_tables

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(mounts={"http://supervision.bench": transport}) as client:
            relay = OutboxRelay(
                app.state.sessionmaker,
                define_kernel_tables(schema_metadata("workbook")),
                RelaySettings(
                    subscribers=[
                        Subscriber(
                            name="supervision",
                            url="http://supervision.bench/events",
                            secret=SECRET,
                            types=["uk.gov.fsm.workbook."],
                        )
                    ]
                ),
                client,
            )
            started = time.perf_counter()
            delivered = 0
            while delivered < expected:
                landed = await relay.run_once()
                if not landed:
                    raise RuntimeError(f"the relay stalled after {delivered} of {expected}")
                delivered += landed
            return time.perf_counter() - started


async def baseline_applying(url: str, concurrency: int) -> tuple[float, int]:
    """Seconds to apply the same snapshots directly into a scratch schema: the projection's own
    upserts, one transaction each, as many at once as the relay delivers, on a pool."""
    from sqlalchemy import MetaData

    from services.db import NAMING_CONVENTION

    engine = create_async_engine(async_database_url(url), pool_size=concurrency)
    metadata = MetaData(schema=SCRATCH, naming_convention=NAMING_CONVENTION)
    tables = define_projection_tables(metadata)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"DROP SCHEMA IF EXISTS {SCRATCH} CASCADE"))
            await connection.execute(text(f"CREATE SCHEMA {SCRATCH}"))
            await connection.run_sync(metadata.create_all)
            rows = (
                await connection.execute(
                    text("SELECT data FROM workbook.outbox_event WHERE type LIKE '%.restated'")
                )
            ).all()
        snapshots: list[CaseSnapshot | AllocationSnapshot] = [
            CaseSnapshot.model_validate(row.data)
            if "allocation_id" not in row.data
            else AllocationSnapshot.model_validate(row.data)
            for row in rows
        ]
        limit = asyncio.Semaphore(concurrency)

        async def one(snapshot: CaseSnapshot | AllocationSnapshot) -> None:
            async with limit, AsyncSession(engine) as session, session.begin():
                if isinstance(snapshot, CaseSnapshot):
                    await apply.apply_case(session, tables, snapshot)
                else:
                    await apply.apply_allocation(session, tables, snapshot)

        started = time.perf_counter()
        await asyncio.gather(*(one(snapshot) for snapshot in snapshots))
        seconds = time.perf_counter() - started
        async with engine.begin() as connection:
            await connection.execute(text(f"DROP SCHEMA {SCRATCH} CASCADE"))
    finally:
        await engine.dispose()
    return seconds, len(snapshots)


async def projected(engine: AsyncEngine) -> tuple[int, int]:
    async with engine.connect() as connection:
        cases = await connection.scalar(text("SELECT count(*) FROM supervision.projected_case"))
        allocations = await connection.scalar(
            text("SELECT count(*) FROM supervision.projected_allocation")
        )
    return int(cases or 0), int(allocations or 0)


async def run(url: str, cases: int, allocations: int) -> None:
    engine = create_async_engine(async_database_url(url), poolclass=pool.NullPool)
    try:
        records = await populate(engine, cases, allocations)
        print(f"workbook: {cases} cases, {cases * allocations} allocations ({records} records)")

        started = time.perf_counter()
        results = await catch_up(url, SUPERVISION)
        restating = time.perf_counter() - started
        [workbook] = [r for r in results if r.publisher == "workbook"]
        assert workbook.announced == records, workbook
        raw = await baseline_restating(engine)
        print(
            f"(1) restating:  {records / restating:8.0f} records/s"
            f"   SQL-only baseline {records / raw:8.0f} /s   ratio x{raw / restating:.3f}"
        )

        delivering_seconds = await delivering(url, workbook.announced)
        direct, applied = await baseline_applying(url, RelaySettings().concurrency)
        per_second = workbook.announced / delivering_seconds
        baseline = applied / direct
        print(
            f"(2) delivering: {per_second:8.0f} records/s"
            f"   direct-apply baseline {baseline:8.0f} /s   ratio x{per_second / baseline:.3f}"
        )
        assert await projected(engine) == (cases, cases * allocations)
        print(
            f"a catch-up of this workbook takes {restating + delivering_seconds:.1f} s"
            f" ({restating:.1f} s restating, {delivering_seconds:.1f} s delivering)"
        )
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000, help="cases (default 2000)")
    parser.add_argument("--allocations", type=int, default=3, help="allocations per case")
    args = parser.parse_args()
    with throwaway_database(ROOT / ".fsm") as (url, where):
        print(f"database: a throwaway one on the {where}")
        upgrade_all(url)
        asyncio.run(run(url, args.cases, args.allocations))
    return 0


if __name__ == "__main__":
    sys.exit(main())
