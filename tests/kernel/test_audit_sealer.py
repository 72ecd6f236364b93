"""The audit sealer: every committed row sealed once, in commit order, whatever dies or lags."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.audit import AuditEvent, write_audit
from services.audit_chain import verify_chain
from services.audit_sealer import AuditSealer
from services.db import create_sessionmaker
from services.kernel_tables import KernelTables
from services.sealer_settings import SealerSettings
from services.settings import KernelSettings, async_database_url
from supervision_api.models import kernel as supervision_kernel
from tests.conftest import PROJECT_ROOT, running
from tests.kernel.widget_app import create_widget_app
from tests.support.audit import scratch_audit_log, seal
from tests.support.tcp_proxy import CuttableProxy, Target
from workbook_api.models import kernel as workbook_kernel


@pytest.fixture(scope="module")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine with room for concurrent writers and several sealers."""
    engine = create_async_engine(async_database_url(database_url), pool_size=5, max_overflow=40)
    yield engine
    await engine.dispose()


@pytest.fixture
async def log_table(engine: AsyncEngine) -> AsyncIterator[Table]:
    async with scratch_audit_log(engine) as table:
        yield table


def event(n: int = 0) -> AuditEvent:
    return AuditEvent(
        action="read",
        resource_type="case",
        resource_id=str(uuid.uuid4()),
        case_id=uuid.uuid4(),
        purpose="direct_work",
        details={"n": n},
    )


async def write(engine: AsyncEngine, table: Table, count: int, label: str) -> list[int]:
    """Write `count` events in one committed transaction; return their positions."""
    async with create_sessionmaker(engine)() as session, session.begin():
        return await write_audit(
            session,
            table,
            actor=f"test|{label}",
            request_id=f"req-{label}",
            events=[event(i) for i in range(count)],
        )


async def seqs_by_position(engine: AsyncEngine, table: Table) -> dict[int, int | None]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(table.c.position, table.c.seq))).all()
    return {row.position: row.seq for row in rows}


async def test_a_row_committed_late_is_sealed_after_the_rows_sealed_before_its_commit(
    engine: AsyncEngine, log_table: Table
) -> None:
    # The late transaction inserts first (lowest position and txid) and commits last.
    late = create_sessionmaker(engine)()
    await late.begin()
    late_positions = await write_audit(
        late, log_table, actor="test|late", request_id="req-late", events=[event(), event()]
    )
    early = [await write(engine, log_table, 2, f"early-{i}") for i in range(3)]

    sealed_before = await seal(engine, log_table)
    seq_of = await seqs_by_position(engine, log_table)
    await late.commit()
    await late.close()
    committed = await seqs_by_position(engine, log_table)
    sealed_after = await seal(engine, log_table)

    assert sealed_before == 6
    assert set(late_positions).isdisjoint(seq_of)  # still invisible to others while open
    assert [committed[p] for p in late_positions] == [None, None]  # committed, not sealed yet
    assert sorted(int(seq_of[p] or 0) for ps in early for p in ps) == [1, 2, 3, 4, 5, 6]
    assert sealed_after == 2
    final = await seqs_by_position(engine, log_table)
    assert [final[p] for p in late_positions] == [7, 8]
    async with engine.connect() as conn:
        report = await verify_chain(conn, log_table)
    assert report.ok, report
    assert (report.checked, report.unsealed) == (8, 0)


@dataclass
class Writer:
    """One concurrent writer's transaction: when it began writing, when its commit returned."""

    label: str
    began: float = 0.0
    committed: float = 0.0
    positions: list[int] = field(default_factory=list)


async def test_concurrent_writers_and_sealers_seal_every_row_once_in_commit_order(
    engine: AsyncEngine, log_table: Table
) -> None:
    settings = SealerSettings(poll_interval_seconds=0.005, batch_size=7)
    sealers = [AuditSealer(engine, log_table, settings) for _ in range(3)]  # three "replicas"
    stop = asyncio.Event()
    running_sealers = [asyncio.create_task(s.run_forever(stop)) for s in sealers]
    sessions = create_sessionmaker(engine)
    rng = random.Random(7)

    async def one(writer: Writer, hold: asyncio.Event | None = None) -> None:
        async with sessions() as session, session.begin():
            writer.began = time.monotonic()
            for _ in range(3):
                writer.positions += await write_audit(
                    session,
                    log_table,
                    actor=f"test|{writer.label}",
                    request_id=f"req-{writer.label}",
                    events=[event()],
                )
                await asyncio.sleep(rng.uniform(0, 0.01))
            if hold is not None:
                await hold.wait()
        writer.committed = time.monotonic()

    async def sealed_count() -> int:
        async with engine.connect() as conn:
            count = await conn.scalar(
                select(func.count()).select_from(log_table).where(log_table.c.seq.is_not(None))
            )
        return int(count or 0)

    late, release = Writer("late"), asyncio.Event()
    late_task = asyncio.create_task(one(late, release))
    writers = [Writer(f"w{i}") for i in range(40)]
    try:
        await asyncio.gather(*(one(w) for w in writers))
        # The running sealers catch up with everything committed, while "late" stays open.
        for _ in range(2000):
            if await sealed_count() == 3 * len(writers):
                break
            await asyncio.sleep(0.01)
        sealed_before_late = await sealed_count()
        release.set()
        await late_task
        await seal(engine, log_table)
    finally:
        stop.set()
        await asyncio.gather(*running_sealers)

    seq_of = await seqs_by_position(engine, log_table)
    everyone = [*writers, late]
    assert sealed_before_late == 3 * len(writers)
    assert None not in seq_of.values()
    seqs = {w.label: [int(seq_of[p] or 0) for p in w.positions] for w in everyone}
    flat = sorted(s for group in seqs.values() for s in group)
    assert flat == list(range(1, 3 * len(everyone) + 1))  # every row once, no gaps
    for writer in everyone:
        own = seqs[writer.label]
        assert own == list(range(own[0], own[0] + 3)), writer  # one transaction, together
    # Commit order: whoever committed before another began is sealed before it.
    for a in everyone:
        for b in everyone:
            if a.committed < b.began:
                assert max(seqs[a.label]) < min(seqs[b.label]), (a.label, b.label)
    assert min(seqs["late"]) > sealed_before_late
    async with engine.connect() as conn:
        report = await verify_chain(conn, log_table, batch=11)
    assert report.ok, report
    assert report.unsealed == 0


async def test_unsealed_rows_are_reported_with_their_age(
    engine: AsyncEngine, log_table: Table
) -> None:
    await write(engine, log_table, 2, "sealed")
    await seal(engine, log_table)
    await write(engine, log_table, 3, "waiting")
    async with engine.connect() as conn:
        waiting = await verify_chain(conn, log_table)
    await seal(engine, log_table)
    async with engine.connect() as conn:
        caught_up = await verify_chain(conn, log_table)

    assert waiting.ok
    assert (waiting.checked, waiting.unsealed) == (2, 3)
    assert waiting.oldest_unsealed_age is not None
    assert waiting.stale(timedelta(0))
    assert not waiting.stale(timedelta(minutes=5))
    assert (caught_up.checked, caught_up.unsealed, caught_up.oldest_unsealed_age) == (5, 0, None)
    assert not caught_up.stale(timedelta(0))


REFUSED = {
    "sealed-content": "UPDATE {t} SET purpose = 'rewritten' WHERE seq = 1",
    "sealed-hash": "UPDATE {t} SET hash = repeat('a', 64) WHERE seq = 1",
    "sealed-reseq": "UPDATE {t} SET seq = 99 WHERE seq = 1",
    "unsealed-again": "UPDATE {t} SET seq = NULL, prev_hash = NULL, hash = NULL WHERE seq = 1",
    "unsealed-content": "UPDATE {t} SET details = '{{\"n\": 9}}' WHERE seq IS NULL",
    "seal-with-content": (
        "UPDATE {t} SET seq = 2, prev_hash = repeat('0', 64), hash = repeat('b', 64),"
        " actor_subject = 'someone|else' WHERE seq IS NULL"
    ),
    "seal-with-txid": (
        "UPDATE {t} SET seq = 2, prev_hash = repeat('0', 64), hash = repeat('b', 64),"
        " txid = 1 WHERE seq IS NULL"
    ),
    "no-op-update": "UPDATE {t} SET purpose = purpose WHERE seq IS NULL",
    "delete-sealed": "DELETE FROM {t} WHERE seq = 1",
    "delete-unsealed": "DELETE FROM {t} WHERE seq IS NULL",
    "truncate": "TRUNCATE {t}",
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
async def test_the_database_refuses_changes_to_content_and_seals(
    engine: AsyncEngine, log_table: Table, case: str
) -> None:
    await write(engine, log_table, 1, "sealed")
    await seal(engine, log_table)
    await write(engine, log_table, 1, "unsealed")
    qualified = f'"{log_table.schema}".audit_log'
    async with engine.connect() as conn:
        with pytest.raises(DBAPIError) as raised:
            await conn.exec_driver_sql(REFUSED[case].format(t=qualified))
        await conn.rollback()
    assert "append-only" in str(raised.value.orig)
    assert getattr(raised.value.orig, "sqlstate", None) == "42501"


PRESEALED_INSERT = (
    "INSERT INTO {t} (id, actor_subject, action, resource_type, purpose, outcome, request_id,"
    " seq, prev_hash, hash, txid) VALUES (gen_random_uuid(), 'test|forger', 'read', 'case',"
    " 'test', 'success', 'req-forged', 1, repeat('0', 64), repeat('c', 64), 1)"
)
POSITIONED_INSERT = (
    "INSERT INTO {t} (position, id, actor_subject, action, resource_type, purpose, outcome,"
    " request_id) VALUES (1000, gen_random_uuid(), 'test|forger', 'read', 'case', 'test',"
    " 'success', 'req-forged')"
)


async def test_an_insert_cannot_claim_a_place_in_the_chain(
    engine: AsyncEngine, log_table: Table
) -> None:
    qualified = f'"{log_table.schema}".audit_log'
    async with engine.begin() as conn:
        await conn.exec_driver_sql(PRESEALED_INSERT.format(t=qualified))
    async with engine.connect() as conn:
        row = (await conn.execute(select(log_table))).one()
        with pytest.raises(DBAPIError) as chosen_position:
            await conn.exec_driver_sql(POSITIONED_INSERT.format(t=qualified))
        await conn.rollback()
    assert (row.seq, row.prev_hash, row.hash) == (None, None, None)
    assert row.txid is not None
    assert row.txid != 1
    assert getattr(chosen_position.value.orig, "sqlstate", None) == "428C9"  # identity ALWAYS


REWRITE_DETAILS = "UPDATE {t} SET details = '{{\"n\": 42}}' WHERE seq = 4"
FORGED_SEAL = (
    "UPDATE {t} SET seq = 3, prev_hash = (SELECT hash FROM {t} WHERE seq = 2),"
    " hash = repeat('d', 64) WHERE seq IS NULL"
)


async def test_verify_finds_a_link_broken_behind_a_dropped_trigger(
    engine: AsyncEngine, log_table: Table
) -> None:
    for i in range(3):
        await write(engine, log_table, 2, f"batch-{i}")
        await seal(engine, log_table)
    qualified = f'"{log_table.schema}".audit_log'
    async with engine.connect() as conn:
        transaction = await conn.begin()
        # A superuser can drop the guard; only the chain can then tell.
        await conn.exec_driver_sql(f"DROP TRIGGER audit_log_seal_once ON {qualified}")
        await conn.exec_driver_sql(REWRITE_DETAILS.format(t=qualified))
        tampered = await verify_chain(conn, log_table, batch=2)
        await transaction.rollback()
    async with engine.connect() as conn:
        restored = await verify_chain(conn, log_table)
    assert tampered.first_broken_seq == 4, tampered
    assert "hash" in (tampered.reason or "")
    assert restored.ok
    assert restored.checked == 6


async def test_a_seal_forged_through_the_guard_is_found_by_verify(
    engine: AsyncEngine, log_table: Table
) -> None:
    # The database allows the one update a sealer makes, but cannot judge its hash: verify can.
    await write(engine, log_table, 2, "sealed")
    await seal(engine, log_table)
    await write(engine, log_table, 1, "forged")
    qualified = f'"{log_table.schema}".audit_log'
    async with engine.begin() as conn:
        await conn.exec_driver_sql(FORGED_SEAL.format(t=qualified))
    async with engine.connect() as conn:
        report = await verify_chain(conn, log_table)
    assert report.first_broken_seq == 3, report
    assert "hash" in (report.reason or "")


SEALER_PROCESS = """
import asyncio, sys
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import create_async_engine
from services.audit_sealer import AuditSealer
from services.kernel_tables import define_kernel_tables

async def main() -> None:
    url, schema, name = sys.argv[1:4]
    engine = create_async_engine(
        url, connect_args={"server_settings": {"application_name": name}}
    )
    table = define_kernel_tables(MetaData(schema=schema)).audit_log
    print(await AuditSealer(engine, table).seal_round(wait_for_lock=True), flush=True)

asyncio.run(main())
"""


async def backend_state(engine: AsyncEngine, name: str) -> str | None:
    async with engine.connect() as conn:
        state: str | None = await conn.scalar(
            text(
                "SELECT coalesce(wait_event_type, state) FROM pg_stat_activity"
                " WHERE application_name = :name"
            ),
            {"name": name},
        )
    return state


async def wait_for_backend(engine: AsyncEngine, name: str, wanted: str | None) -> None:
    deadline = time.monotonic() + 30
    while (state := await backend_state(engine, name)) != wanted:
        assert time.monotonic() < deadline, f"sealer backend is {state}, not {wanted}"
        await asyncio.sleep(0.05)


async def test_a_sealer_killed_mid_batch_loses_nothing(
    engine: AsyncEngine, log_table: Table, database_url: str
) -> None:
    positions = [p for i in range(4) for p in await write(engine, log_table, 3, f"w{i}")]
    name = f"fsm-test-sealer-{uuid.uuid4().hex[:8]}"
    async with engine.connect() as blocker:
        # Hold one row so the sealer's batch update stops halfway, its transaction open.
        transaction = await blocker.begin()
        await blocker.execute(
            select(log_table.c.position)
            .where(log_table.c.position == positions[-1])
            .with_for_update()
        )
        sealer = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SEALER_PROCESS,
            async_database_url(database_url),
            str(log_table.schema),
            name,
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await wait_for_backend(engine, name, "Lock")
        finally:
            sealer.send_signal(signal.SIGKILL)
            await asyncio.wait_for(sealer.wait(), timeout=10)
        await transaction.rollback()
    # Its backend finds the client gone and rolls the half-done batch back.
    await wait_for_backend(engine, name, None)
    left = await seqs_by_position(engine, log_table)
    sealed_now = await seal(engine, log_table)
    async with engine.connect() as conn:
        report = await verify_chain(conn, log_table)

    assert sealer.returncode == -signal.SIGKILL
    assert set(left.values()) == {None}
    assert sealed_now == 12
    assert report.ok, report
    assert (report.checked, report.unsealed) == (12, 0)


async def test_a_service_seals_its_audit_rows_in_the_background(
    widget_table: None, kernel_settings: KernelSettings, engine: AsyncEngine
) -> None:
    kernel: KernelTables = supervision_kernel
    async with running(create_widget_app(kernel_settings)):
        positions = await write(engine, kernel.audit_log, 2, "background")
        sealed = await wait_until_sealed(engine, kernel.audit_log, positions)
    assert sealed == list(range(sealed[0], sealed[0] + 2))


async def sealed_seqs(engine: AsyncEngine, table: Table, positions: list[int]) -> list[Any]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(table.c.seq)
                .where(table.c.position.in_(positions))
                .order_by(table.c.position)
            )
        ).all()
    return [row.seq for row in rows]


async def wait_until_sealed(engine: AsyncEngine, table: Table, positions: list[int]) -> list[Any]:
    """Poll (with a deadline) until a background sealer has sealed every given row."""
    deadline = time.monotonic() + 20
    while None in (sealed := await sealed_seqs(engine, table, positions)):
        assert time.monotonic() < deadline, f"not sealed in time: {sealed}"
        await asyncio.sleep(0.02)
    return sealed


async def test_the_sealer_rides_out_a_database_outage(
    engine: AsyncEngine, log_table: Table, database_url: str
) -> None:
    proxy = CuttableProxy(Target.from_database_url(database_url))
    await proxy.start()
    parsed = make_url(async_database_url(database_url))
    query = {k: v for k, v in parsed.query.items() if k != "host"}
    through = parsed.set(host="127.0.0.1", port=proxy.port, query=query)
    proxied = create_async_engine(through, connect_args={"timeout": 1.0})
    settings = SealerSettings(poll_interval_seconds=0.02, max_backoff_seconds=0.3)
    stop = asyncio.Event()
    task = asyncio.create_task(AuditSealer(proxied, log_table, settings).run_forever(stop))
    try:
        before = await wait_until_sealed(
            engine, log_table, await write(engine, log_table, 2, "before")
        )
        await proxy.cut()
        during = await write(engine, log_table, 2, "during")  # requests never wait for it
        await asyncio.sleep(0.5)
        while_down = await sealed_seqs(engine, log_table, during)
        await proxy.start()
        after = await wait_until_sealed(engine, log_table, during)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)
        await proxied.dispose()
        await proxy.cut()
    async with engine.connect() as conn:
        report = await verify_chain(conn, log_table)

    assert before == [1, 2]
    assert while_down == [None, None]
    assert after == [3, 4]
    assert report.ok
    assert (report.checked, report.unsealed) == (4, 0)


CANONICAL_IN_SQL = """
    SELECT hash = encode(sha256(convert_to(
        prev_hash || chr(31) || seq::text || chr(31) || id::text || chr(31)
        || to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || chr(31)
        || actor_subject || chr(31) || coalesce(actor_practitioner_id::text, '') || chr(31)
        || action || chr(31) || resource_type || chr(31) || coalesce(resource_id, '') || chr(31)
        || coalesce(case_id::text, '') || chr(31) || purpose || chr(31) || outcome || chr(31)
        || request_id || chr(31) || details::text, 'UTF8')), 'hex')
    FROM {t} ORDER BY seq
"""


async def test_sealed_hashes_follow_the_documented_canonical_form(
    engine: AsyncEngine, log_table: Table
) -> None:
    # Computed here by PostgreSQL, independently of the Python that sealed the rows.
    async with create_sessionmaker(engine)() as session, session.begin():
        await write_audit(
            session,
            log_table,
            actor="test|canonical",
            request_id="req-canonical",
            events=[
                AuditEvent("read", "case", None, None, "direct_work"),
                AuditEvent(
                    "export",
                    "chronology",
                    "cafe",
                    uuid.uuid4(),
                    "court",
                    "denied",
                    {"é": "ü", "n": 1.50, "big": 10**20, "nested": {"b": [1, None]}},
                ),
            ],
        )
    await seal(engine, log_table)
    async with engine.connect() as conn:
        matches = (
            await conn.exec_driver_sql(CANONICAL_IN_SQL.format(t=f'"{log_table.schema}".audit_log'))
        ).scalars()
        assert list(matches) == [True, True]


async def test_an_audit_write_never_waits_for_another_open_transaction(engine: AsyncEngine) -> None:
    # Before sealing moved off the request path, every audit insert took the schema's chain
    # lock until commit: this second writer would have queued behind the open first one.
    table = workbook_kernel.audit_log
    sessions = create_sessionmaker(engine)
    async with sessions() as open_one, open_one.begin():
        await write_audit(
            open_one, table, actor="test|slow", request_id="req-slow", events=[event()]
        )
        committed = await asyncio.wait_for(write(engine, table, 1, "fast"), timeout=10)
    assert len(committed) == 1
