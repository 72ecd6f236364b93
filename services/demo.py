"""Load every unit's synthetic demo data (`fsm seed --demo`, and `fsm run` on each start).

Each unit may ship `<package>/demo.py` with `async def seed_demo(session: AsyncSession) -> None`.
Seeders must be idempotent: they run on every `fsm run`, so a second run must not duplicate.
The kernel finds them by module path string, never by a static import: `services` may not
depend on a service (import-linter enforces that).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import pool
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from services.registry import UNITS, Unit
from services.settings import async_database_url

log = logging.getLogger(__name__)

Seeder = Callable[[AsyncSession], Awaitable[None]]


@dataclass(frozen=True)
class SeedResult:
    """What happened for one unit."""

    unit: str
    seeded: bool
    note: str


def demo_module_name(unit: Unit) -> str:
    """The module path a unit's demo seeder lives at."""
    return f"{unit.package}.demo"


def load_seeder(unit: Unit) -> Seeder | None:
    """Import `<package>.demo` and return its `seed_demo`, or None when the unit has none."""
    name = demo_module_name(unit)
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        # Only "this unit ships no demo module" is benign; a missing import *inside* a demo
        # module is a bug and must surface.
        if exc.name in (name, unit.package):
            return None
        raise
    seeder = getattr(module, "seed_demo", None)
    if seeder is None or not callable(seeder):
        raise TypeError(f"{name} has no callable seed_demo(session)")
    typed: Seeder = seeder
    return typed


async def seed_all(database_url: str, units: Sequence[Unit] = UNITS) -> list[SeedResult]:
    """Run each unit's seeder in its own transaction, in registry order."""
    engine = create_async_engine(async_database_url(database_url), poolclass=pool.NullPool)
    results: list[SeedResult] = []
    try:
        for unit in units:
            seeder = load_seeder(unit)
            if seeder is None:
                results.append(SeedResult(unit.name, False, f"no {demo_module_name(unit)} module"))
                continue
            async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
                await seeder(session)
            log.info("seeded demo data for %s", unit.name)
            results.append(SeedResult(unit.name, True, "demo data present"))
    finally:
        await engine.dispose()
    return results
