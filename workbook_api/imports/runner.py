"""The background runner that imports queued files, a chunk of rows per transaction.

Each workbook process runs one, on a small engine of its own. A runner claims a job with a
lease (`FOR UPDATE SKIP LOCKED`, so replicas share the queue), then applies its file a chunk
at a time: the chunk's records, its row errors, its audit rows and the job's cursor
(`rows_done`) commit together, under a lock on the job row that first checks the runner still
holds the lease and the cursor is where it left it. A job interrupted by a restart therefore
resumes by itself, on whichever replica next finds its lease expired (or at once, when the
runner stopped cleanly and gave the lease back), from its last committed chunk: no row is
applied twice, and none is skipped. A dry run applies each chunk inside a savepoint it rolls
back, so it meets every rule a real run would, and starts again from its first row if it is
interrupted. The runner yields to the event loop between slices of work, so the requests
its process serves meanwhile are not kept waiting.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, suppress
from datetime import timedelta
from itertools import islice
from uuid import UUID

from fastapi import FastAPI
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.background import run_in_background
from services.db import create_engine, create_sessionmaker, is_connection_failure
from services.kernel_tables import KernelTables
from workbook_api.external.service.batch import Memory
from workbook_api.imports import repository
from workbook_api.imports.chunks import COUNTERS, Chunks, JobLost, Restart
from workbook_api.imports.columns import LAYOUTS, Layout
from workbook_api.imports.models import ImportJob, ImportRowError
from workbook_api.imports.parsing import Parsed, parse_rows
from workbook_api.imports.reader import (
    Row,
    UnreadableFile,
    count_rows,
    decode,
    decompress,
    rows,
)
from workbook_api.settings import WorkbookSettings

log = logging.getLogger(__name__)

LifespanHook = Callable[[FastAPI, AsyncExitStack], Awaitable[None]]
# A job whose runner died this many times is given up, so one bad file cannot loop forever.
MAX_ATTEMPTS = 5
_SLICE = 100


class ImportRunner:
    """Claims import jobs and applies them, one job at a time per process."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        kernel: KernelTables,
        settings: WorkbookSettings,
    ) -> None:
        self.sessions = sessions
        self.kernel = kernel
        self.settings = settings
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self.lease = timedelta(seconds=settings.import_lease_seconds)
        self.chunks = Chunks(sessions, kernel, settings, self.owner)

    def wake(self) -> None:
        """Look for work now (a job was just queued in this process)."""
        self._wake.set()

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Claim and run jobs until told to stop."""
        while not stop.is_set():
            job_id = None
            try:
                job_id = await self.claim()
                if job_id is not None:
                    await self.run(job_id, stop)
            except Exception as exc:
                # The database may be down: wait for it as for new work, never die.
                if not (isinstance(exc, DBAPIError | OSError) and is_connection_failure(exc)):
                    log.error(
                        "import runner failed on job %s: %s",
                        job_id,
                        type(exc).__name__,
                        exc_info=not isinstance(exc, DBAPIError),
                    )
            if job_id is None:
                await self._idle(stop)

    async def _idle(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        await asyncio.wait(
            waits, timeout=self.settings.import_poll_seconds, return_when="FIRST_COMPLETED"
        )
        for waiting in waits:
            waiting.cancel()

    async def claim(self) -> UUID | None:
        """Take the oldest queued job, or one whose runner's lease ran out."""
        async with self.sessions() as session, session.begin():
            free = (
                select(ImportJob.id)
                .where(
                    ImportJob.status.in_(("queued", "running")),
                    (ImportJob.lease_expires_at.is_(None))
                    | (ImportJob.lease_expires_at < func.now()),
                )
                .order_by(ImportJob.created_at)
                .limit(1)
                .with_for_update(skip_locked=True)
                .scalar_subquery()
            )
            claimed: UUID | None = await session.scalar(
                update(ImportJob)
                .where(ImportJob.id == free)
                .values(
                    status="running",
                    lease_owner=self.owner,
                    lease_expires_at=func.now() + self.lease,
                    attempts=ImportJob.attempts + 1,
                    started_at=func.coalesce(ImportJob.started_at, func.now()),
                )
                .returning(ImportJob.id)
            )
        return claimed

    async def run(self, job_id: UUID, stop: asyncio.Event) -> None:
        """Apply a claimed job from its cursor to its end, or until stopped."""
        async with self.sessions() as session:
            job = await repository.load_job_or_404(session, job_id)
            file = await repository.load_file(session, job_id)
        if job.attempts > MAX_ATTEMPTS:
            await self._finish(job_id, "failed", f"Gave up after {MAX_ATTEMPTS} attempts.")
            return
        limit = self.settings.import_max_bytes
        try:
            text = await asyncio.to_thread(
                lambda: decode(decompress(file.content, file.content_encoding, limit))
            )
        except UnreadableFile as exc:
            await self._finish(job_id, "failed", str(exc))
            return
        layout = LAYOUTS[job.kind]
        try:
            await self._apply(job, text, layout, stop)
        except JobLost:
            log.info("import %s is no longer this runner's", job_id)
        except Restart:
            await self._restart(job_id)
        except Exception as exc:
            if isinstance(exc, DBAPIError | OSError) and is_connection_failure(exc):
                raise  # the lease runs out and the job resumes once the database is back
            # The type, not the message: a database error's detail can quote a row's values.
            log.error(
                "import %s stopped by %s",
                job_id,
                type(exc).__name__,
                exc_info=not isinstance(exc, DBAPIError),
            )
            await self._finish(
                job_id,
                "failed",
                "An unexpected error stopped the import; the rows before it are applied.",
            )

    async def _apply(self, job: ImportJob, text: str, layout: Layout, stop: asyncio.Event) -> None:
        if job.rows_total is None:
            total = await asyncio.to_thread(count_rows, text, job.file_format)
            await self._set_total(job.id, total)
        memory = Memory()
        source = rows(text, job.file_format, layout)
        done = job.rows_done
        if job.dry_run and done:
            raise Restart()
        await self._skip(source, done, layout, memory)
        # The next chunk is read and validated while the database applies this one.
        ahead = asyncio.create_task(self._next(source, layout))
        try:
            while True:
                chunk, parsed = await ahead
                if not chunk:
                    break
                ahead = asyncio.create_task(self._next(source, layout))
                started = time.monotonic()
                await self.chunks.apply(job, chunk, parsed, done, memory)
                done += len(chunk)
                if not job.dry_run:
                    memory.forget_written()
                if stop.is_set():
                    await self._release(job.id)
                    return
                # Rest in proportion to the work: interactive users share this database.
                pause = (time.monotonic() - started) * self.settings.import_pause_ratio
                await asyncio.sleep(pause)
        finally:
            ahead.cancel()
            with suppress(asyncio.CancelledError):
                await ahead
        await self._finish(job.id, "succeeded", None, expected_done=done)

    async def _next(self, source: Iterator[Row], layout: Layout) -> tuple[list[Row], Parsed]:
        """The next chunk of rows, and its records."""
        chunk = await self._take(source, self.settings.import_chunk_rows)
        return chunk, await self._parse(layout, chunk)

    async def _skip(
        self, source: Iterator[Row], count: int, layout: Layout, memory: Memory
    ) -> None:
        """Pass the rows a previous runner committed, remembering their keys."""
        for index, row in enumerate(islice(source, count)):
            key = row.values.get(layout.key)
            if key is not None:
                memory.keys.setdefault(key, row.number)
            if index % 5000 == 4999:
                await asyncio.sleep(0)

    async def _take(self, source: Iterator[Row], count: int) -> list[Row]:
        """The next `count` rows, read a slice at a time between turns of the event loop."""
        taken: list[Row] = []
        while len(taken) < count:
            part = list(islice(source, min(_SLICE, count - len(taken))))
            if not part:
                break
            taken.extend(part)
            await asyncio.sleep(0)
        return taken

    async def _parse(self, layout: Layout, chunk: list[Row]) -> Parsed:
        parsed = Parsed()
        for start in range(0, len(chunk), _SLICE):
            part = parse_rows(layout, chunk[start : start + _SLICE])
            parsed.items.extend(part.items)
            parsed.errors.update(part.errors)
            await asyncio.sleep(0)
        return parsed

    async def _set_total(self, job_id: UUID, total: int) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(ImportJob)
                .where(ImportJob.id == job_id, ImportJob.lease_owner == self.owner)
                .values(rows_total=total)
            )

    async def _release(self, job_id: UUID) -> None:
        """Give the lease back so a restarted (or another) runner resumes at once."""
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(ImportJob)
                .where(ImportJob.id == job_id, ImportJob.lease_owner == self.owner)
                .values(lease_owner=None, lease_expires_at=func.now())
            )

    async def _restart(self, job_id: UUID) -> None:
        """Start a dry run again from its first row: it changed nothing but its report."""
        async with self.sessions() as session, session.begin():
            job = await session.scalar(
                select(ImportJob)
                .where(ImportJob.id == job_id, ImportJob.lease_owner == self.owner)
                .with_for_update()
            )
            if job is None or not job.dry_run:
                return
            await session.execute(delete(ImportRowError).where(ImportRowError.job_id == job_id))
            for column in (*COUNTERS.values(), "rows_failed", "rows_done"):
                setattr(job, column, 0)
            job.lease_expires_at = func.now()
            job.lease_owner = None

    async def _finish(
        self, job_id: UUID, status: str, failure: str | None, *, expected_done: int | None = None
    ) -> None:
        async with self.sessions() as session, session.begin():
            job = await session.scalar(
                select(ImportJob).where(ImportJob.id == job_id).with_for_update()
            )
            if job is None or job.status != "running" or job.lease_owner != self.owner:
                return
            if expected_done is not None and job.rows_done != expected_done:
                return
            job.status = status
            job.failure = failure
            job.finished_at = func.now()
            job.lease_owner = None
            job.lease_expires_at = None
        log.info("import %s %s", job_id, status)


def import_runner_hook() -> LifespanHook:
    """An `on_startup` hook that runs the import runner beside the workbook."""

    async def start(app: FastAPI, stack: AsyncExitStack) -> None:
        settings: WorkbookSettings = app.state.settings
        # A small engine of its own: a long import keeps one connection busy and must never
        # take it from the requests' pool.
        engine: AsyncEngine = create_engine(
            settings, application_name="fsm-workbook-imports", pool_size=1, max_overflow=1
        )
        stack.push_async_callback(engine.dispose)
        runner = ImportRunner(create_sessionmaker(engine), app.state.kernel, settings)
        app.state.import_runner = runner
        await run_in_background(
            stack, runner.run_forever, name="import-runner", grace_seconds=10, wake=runner.wake
        )

    return start
