"""Principal resolution: one query per subject however many requests wait, cached for the TTL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from gateway.principals import NotAPractitioner, PrincipalResolver
from services.db_reach import DatabaseReach
from services.settings import async_database_url
from tests.gateway.conftest import DirectoryFactory


@pytest.fixture
async def counted_engine(database_url: str) -> AsyncIterator[tuple[AsyncEngine, list[str]]]:
    """An engine that records every statement it sends."""
    engine = create_async_engine(async_database_url(database_url), pool_size=5)
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    yield engine, statements
    await engine.dispose()


async def test_concurrent_misses_share_one_query(
    counted_engine: tuple[AsyncEngine, list[str]], directory: DirectoryFactory
) -> None:
    engine, statements = counted_engine
    team = await directory.team()
    person = await directory.practitioner(teams=[team])
    sessions = async_sessionmaker(engine)
    resolver = PrincipalResolver(
        sessions, reach=DatabaseReach(sessions, budget_seconds=5), ttl_seconds=60
    )
    principals = await asyncio.gather(*(resolver.resolve(person.subject) for _ in range(25)))
    assert {p.practitioner_id for p in principals} == {person.id}
    assert principals[0].team_ids == {team}
    assert len([s for s in statements if "practitioner" in s]) == 1

    await resolver.resolve(person.subject)
    assert len([s for s in statements if "practitioner" in s]) == 1  # served from the cache
    resolver.forget(person.subject)
    await resolver.resolve(person.subject)
    assert len([s for s in statements if "practitioner" in s]) == 2


async def test_answers_expire_after_the_ttl(
    counted_engine: tuple[AsyncEngine, list[str]], directory: DirectoryFactory
) -> None:
    engine, statements = counted_engine
    now = [1000.0]
    sessions = async_sessionmaker(engine)
    resolver = PrincipalResolver(
        sessions,
        reach=DatabaseReach(sessions, budget_seconds=5),
        ttl_seconds=5,
        clock=lambda: now[0],
    )
    unknown = "nobody-" + str(id(now))
    for _ in range(3):
        with pytest.raises(NotAPractitioner):
            await resolver.resolve(unknown)
    queries = [s for s in statements if "practitioner" in s]
    assert len(queries) == 1  # unknown subjects are cached too
    now[0] += 5.1
    with pytest.raises(NotAPractitioner):
        await resolver.resolve(unknown)
    assert len([s for s in statements if "practitioner" in s]) == 2
