"""Lay out documents in a child process, so that a long layout does not stall the service.

fpdf2 is pure Python: a thread laying out a 10,000-record bundle holds the interpreter lock
for seconds, and every other request on the process waits behind it (under load they passed
the database-wait budget and were answered 503). A child process has its own interpreter.

One small pool per service process, started on the first document and shut down with the app.
Children are started with `spawn`, never `fork`: a forked child of an asyncio process would
inherit its event loop, its threads' locks and its open database connections. A spawned child
imports only what the function it runs needs (keep layout modules free of the app, its models
and its database), and only plain data crosses: dataclasses of str, bytes, dates and UUIDs in,
bytes out. A child that dies mid-job (killed, out of memory) fails that job with
`LayoutProcessDied`, and the next job gets a new pool.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Annotated, TypeVar

from fastapi import Depends, Request

from services.errors import ProblemError

Result = TypeVar("Result")
# How long shutting down waits for a child to go after being told to.
_STOP_SECONDS = 5.0


class LayoutProcessDied(ProblemError):
    """The child laying out a document ended before it answered (killed, out of memory).

    A problem rather than a bare error: a request waiting on the document (an assessment's PDF)
    answers 503 with Retry-After, since the next job gets a new child; background jobs (a
    subject access bundle) catch it and record the failure."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            503,
            "service-unavailable",
            f"The document could not be laid out: {detail}.",
            headers={"Retry-After": "5"},
        )


class LayoutProcesses:
    """A bounded pool of child processes for layout, created lazily, renewed when broken."""

    def __init__(self, max_workers: int = 1) -> None:
        self.max_workers = max_workers
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False

    def _current(self) -> ProcessPoolExecutor:
        if self._closed:
            raise RuntimeError("the layout processes have been shut down")
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.max_workers, mp_context=multiprocessing.get_context("spawn")
            )
        return self._pool

    async def run(self, function: Callable[..., Result], *args: object) -> Result:
        """`function(*args)` in a child; `function` must be importable by name, its arguments
        and result picklable plain data."""
        pool = self._current()
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
        except BrokenProcessPool as broken:
            self._discard(pool)
            raise LayoutProcessDied(
                "the process laying out the document ended before it finished"
            ) from broken

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        # Other jobs awaiting the broken pool fail with it; the next job starts a new one.
        if self._pool is pool:
            self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def worker_pids(self) -> list[int]:
        """The process ids of the children now running (none before the first job)."""
        pool = self._pool
        processes = getattr(pool, "_processes", None) or {}
        return sorted(pid for pid, process in processes.items() if process.is_alive())

    async def close(self) -> None:
        """Stop the children, a job still running included: layout is pure computation, so
        nothing is lost (a subject access job's lease lets a runner lay it out again)."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            await asyncio.to_thread(process.join, _STOP_SECONDS)
            if process.is_alive():
                process.kill()
                await asyncio.to_thread(process.join, _STOP_SECONDS)


def layout_processes(request: Request) -> LayoutProcesses:
    """The service's layout pool (made by the app's lifespan)."""
    processes: LayoutProcesses = request.app.state.layout_processes
    return processes


Layout = Annotated[LayoutProcesses, Depends(layout_processes)]
