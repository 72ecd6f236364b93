"""A unit's background worker (an import runner, a sweep) started with the app, stopped with it.

Every worker here is a loop that ends when told to stop; shutting down tells it, gives it a
grace period to finish its step (a chunk committed, a lease let go), and cancels it after.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack, suppress


async def run_in_background(
    stack: AsyncExitStack,
    loop: Callable[[asyncio.Event], Coroutine[object, object, None]],
    *,
    name: str,
    grace_seconds: float,
    wake: Callable[[], None] | None = None,
) -> None:
    """Start `loop(stop)` as a task, and on the stack's exit set `stop` (and `wake` the worker
    if it sleeps on a signal of its own), wait `grace_seconds`, then cancel it."""
    stop = asyncio.Event()
    task = asyncio.create_task(loop(stop), name=name)

    async def shut_down() -> None:
        stop.set()
        if wake is not None:
            wake()
        try:
            await asyncio.wait_for(task, timeout=grace_seconds)
        except TimeoutError:
            # Cancelled mid-step: its transaction rolls back, and a lease lets another resume.
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    stack.push_async_callback(shut_down)
