"""An import survives its process: killed mid-way it resumes, and no row is applied twice.

The fault is real: a workbook process (`fsm serve workbook`) is killed with SIGKILL while it
imports, and another is started on the same database. The fencing that keeps two runners
from applying one chunk is shown in-process: a runner whose lease was taken over, or whose
job was cancelled, commits nothing.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from services.migrate import upgrade_all
from services.principal import Principal
from services.settings import KernelSettings, async_database_url
from tests.conftest import PROJECT_ROOT
from tests.platform.test_cli import free_port
from tests.support.database import fresh_database
from tests.workbook.conftest import Headers
from tests.workbook.factories import system_principal
from tests.workbook.imports_support import SYSTEM, csv_file, family_rows, finished
from workbook_api.imports.models import ImportJob
from workbook_api.imports.runner import ImportRunner
from workbook_api.imports.service import create_job
from workbook_api.models import kernel
from workbook_api.settings import WorkbookSettings, workbook_settings

ROWS = 20_000


@contextmanager
def workbook_process(database_url: str, state_dir: Path, log: Path) -> Iterator[tuple[int, int]]:
    """`fsm serve workbook` on a free port, small import chunks and a short lease."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FSM_STATE_DIR": str(state_dir),
        "FSM_ENVIRONMENT": "development",
        "FSM_IMPORT_CHUNK_ROWS": "200",
        "FSM_IMPORT_LEASE_SECONDS": "2",
        "FSM_IMPORT_POLL_SECONDS": "0.2",
    }
    env.pop("TEST_DATABASE_URL", None)
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", "workbook", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        yield port, process.pid
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


async def job_state(engine: AsyncEngine, job_id: str) -> tuple[str, int]:
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT status, rows_done FROM workbook.import_job WHERE id = :id"),
                {"id": job_id},
            )
        ).one()
    return str(row.status), int(row.rows_done)


@pytest.fixture
def own_database() -> Iterator[str]:
    """A database of its own: no other runner (this test process has one) may take its jobs."""
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), PROJECT_ROOT / ".fsm") as url:
        upgrade_all(url)
        yield url


@pytest.mark.slow
async def test_a_killed_import_resumes_and_applies_every_row_exactly_once(
    own_database: str,
    state_dir: Path,
    tmp_path: Path,
    internal_headers: Callable[[Principal, str], dict[str, str]],
) -> None:
    system = system_principal()
    headers = internal_headers(system, "workbook")
    team, tag = uuid.uuid4(), f"K{uuid.uuid4().hex[:8]}"
    content = csv_file(family_rows(team, ROWS, tag))
    log = tmp_path / "workbook.log"
    engine = create_async_engine(async_database_url(own_database))
    try:
        with workbook_process(own_database, state_dir, log) as (port, pid):
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                response = await http.post(
                    "/imports",
                    params={"kind": "families", "system": SYSTEM},
                    content=content,
                    headers={**headers, "Content-Type": "text/csv"},
                    timeout=30,
                )
            assert response.status_code == 202, response.text
            job_id = response.json()["id"]
            deadline = time.monotonic() + 60
            while (await job_state(engine, job_id))[1] < 1000:
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                await asyncio.sleep(0.01)
            os.killpg(pid, signal.SIGKILL)
        status, done_at_kill = await job_state(engine, job_id)
        assert status == "running"
        assert 1000 <= done_at_kill < ROWS, "the import finished before it could be killed"

        with workbook_process(own_database, state_dir, log) as (port, _):
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                job = await finished(http, headers, job_id, within=120)

        assert job["status"] == "succeeded", job
        assert (job["rows_done"], job["records_created"], job["rows_failed"]) == (ROWS, ROWS, 0)
        async with engine.connect() as connection:
            keys = await connection.scalar(
                text("SELECT count(*) FROM workbook.external_id WHERE value LIKE :p"),
                {"p": f"{tag}-%"},
            )
            families = await connection.scalar(
                text("SELECT count(*) FROM workbook.family WHERE owning_team_id = :t"),
                {"t": team},
            )
            attempts = await connection.scalar(
                text("SELECT attempts FROM workbook.import_job WHERE id = :id"), {"id": job_id}
            )
        assert (keys, families) == (ROWS, ROWS)
        assert attempts == 2
    finally:
        await engine.dispose()


async def held_job(
    sessions: async_sessionmaker[AsyncSession], owner: str, rows: int
) -> tuple[uuid.UUID, uuid.UUID]:
    """A families import already claimed by `owner` (so no other runner takes it)."""
    team = uuid.uuid4()
    async with sessions() as session, session.begin():
        job = await create_job(
            session,
            system_principal(),
            kind="families",
            system=SYSTEM,
            dry_run=False,
            file_format="csv",
            content_encoding="identity",
            content=csv_file(family_rows(team, rows)),
            request_id="test",
            purpose="system_sync",
        )
        job.status, job.lease_owner, job.attempts = "running", owner, 1
        job.lease_expires_at = datetime.now(UTC) + timedelta(hours=1)
    return job.id, team


def runner_for(kernel_settings: KernelSettings, engine: AsyncEngine) -> ImportRunner:
    settings: WorkbookSettings = workbook_settings(kernel_settings).model_copy(
        update={"import_chunk_rows": 2}
    )
    return ImportRunner(async_sessionmaker(engine, expire_on_commit=False), kernel, settings)


async def test_a_runner_whose_lease_was_taken_over_commits_nothing(
    kernel_settings: KernelSettings, db_engine: AsyncEngine
) -> None:
    runner = runner_for(kernel_settings, db_engine)
    sessions = async_sessionmaker(db_engine, expire_on_commit=False)
    job_id, team = await held_job(sessions, runner.owner, 6)
    async with sessions() as session, session.begin():
        # Another replica found the lease expired and took the job over.
        await session.execute(
            update(ImportJob).where(ImportJob.id == job_id).values(lease_owner="another-replica")
        )

    await runner.run(job_id, asyncio.Event())

    async with db_engine.connect() as connection:
        families = await connection.scalar(
            text("SELECT count(*) FROM workbook.family WHERE owning_team_id = :t"), {"t": team}
        )
        row = (
            await connection.execute(
                text("SELECT rows_done, lease_owner FROM workbook.import_job WHERE id = :id"),
                {"id": job_id},
            )
        ).one()
    assert families == 0
    assert (row.rows_done, row.lease_owner) == (0, "another-replica")


async def test_a_cancelled_import_stops_at_its_next_chunk(
    kernel_settings: KernelSettings,
    db_engine: AsyncEngine,
    client: httpx.AsyncClient,
    as_: Headers,
) -> None:
    runner = runner_for(kernel_settings, db_engine)
    sessions = async_sessionmaker(db_engine, expire_on_commit=False)
    job_id, team = await held_job(sessions, runner.owner, 6)
    system = as_(system_principal())

    cancelled = await client.post(f"/imports/{job_id}/cancel", headers=system)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    await runner.run(job_id, asyncio.Event())

    async with db_engine.connect() as connection:
        families = await connection.scalar(
            text("SELECT count(*) FROM workbook.family WHERE owning_team_id = :t"), {"t": team}
        )
    assert families == 0
    again = await client.post(f"/imports/{job_id}/cancel", headers=system)
    assert again.status_code == 409


async def test_a_runner_stopped_between_chunks_hands_the_job_on(
    kernel_settings: KernelSettings,
    db_engine: AsyncEngine,
    client: httpx.AsyncClient,
    as_: Headers,
) -> None:
    first = runner_for(kernel_settings, db_engine)
    sessions = async_sessionmaker(db_engine, expire_on_commit=False)
    job_id, team = await held_job(sessions, first.owner, 7)
    stop = asyncio.Event()
    stop.set()  # asked to stop: it finishes the chunk in hand, then gives the lease back

    await first.run(job_id, stop)

    # The workbook app's own runner (another runner) takes the job over from row 4.
    job = await finished(client, as_(system_principal()), str(job_id))
    assert (job["status"], job["rows_done"], job["records_created"], job["rows_failed"]) == (
        "succeeded",
        7,
        7,
        0,
    )
    async with db_engine.connect() as connection:
        families = await connection.scalar(
            text("SELECT count(*) FROM workbook.family WHERE owning_team_id = :t"), {"t": team}
        )
        chunks = await connection.scalar(
            text(
                "SELECT count(*) FROM workbook.audit_log"
                " WHERE resource_id = :id AND action = 'import'"
            ),
            {"id": str(job_id)},
        )
    assert families == 7
    assert chunks >= 2
