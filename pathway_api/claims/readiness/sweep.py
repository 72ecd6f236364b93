"""The background sweep that announces families whose sustain period has ended.

Readiness itself is evaluated on read (service.py); the sweep only sends what must go out
once, the `claim ready` event and its chronology item, on the day a family becomes ready. It
runs beside the pathway (its app's lifespan) on an engine of its own with one connection, once
at start and then every `interval` seconds; several replicas may sweep at once, because an
advisory lock lets one transaction sweep at a time and each family is announced under its
primary key (a second announcement would conflict, not duplicate).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack

from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from pathway_api.claims.readiness.service import announce_ready
from services.app import LifespanHook
from services.background import run_in_background
from services.db import create_engine

log = logging.getLogger(__name__)
SWEEP_INTERVAL_SECONDS = 3600.0


async def sweep_once(engine: AsyncEngine) -> int:
    """One sweep in one transaction; how many families were announced (0 if another swept)."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        locked = await session.scalar(
            text("SELECT pg_try_advisory_xact_lock(hashtext('pathway.claim_ready_sweep'))")
        )
        if not locked:
            return 0
        return await announce_ready(session)


async def run_forever(engine: AsyncEngine, stop: asyncio.Event, interval: float) -> None:
    while not stop.is_set():
        try:
            announced = await sweep_once(engine)
            if announced:
                log.info("claim readiness sweep announced families", extra={"count": announced})
        except Exception:  # a failed sweep is retried at the next interval
            log.exception("claim readiness sweep failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            continue


def readiness_sweep_hook(interval: float = SWEEP_INTERVAL_SECONDS) -> LifespanHook:
    """An `on_startup` hook running the sweep beside the pathway service."""

    async def start(app: FastAPI, stack: AsyncExitStack) -> None:
        engine = create_engine(
            app.state.settings,
            application_name="fsm-pathway-claim-sweep",
            pool_size=1,
            max_overflow=0,
        )
        stack.push_async_callback(engine.dispose)

        async def sweeping(stop: asyncio.Event) -> None:
            await run_forever(engine, stop, interval)

        await run_in_background(stack, sweeping, name="claim-sweep", grace_seconds=5)

    return start
