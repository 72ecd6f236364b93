"""Versioned configuration on the real database: defaults as version 1, numbering, series, races.

The pathway's tests cover each document over HTTP; these cover what only two transactions at
once can show: publications are serialised, and two first readers store one version 1.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from sqlalchemy import String, func, select, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.db import schema_metadata
from services.errors import NotFound
from services.settings import async_database_url
from services.versioned_config import PublishedVersion, VersionedConfig, version_positive

SCHEMA = "versioned_config_test"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


class Rules(PublishedVersion, Base):
    """A document with one series."""

    __tablename__ = "rules"

    colour: Mapped[str] = mapped_column(String(20))

    __table_args__ = (version_positive(),)


class Framework(PublishedVersion, Base):
    """A document with a series per code."""

    __tablename__ = "framework"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    colour: Mapped[str] = mapped_column(String(20))

    __table_args__ = (version_positive(),)


def _defaults(key: str | None) -> Mapping[str, Any]:
    return {"colour": f"grey-{key}" if key else "grey", "note": "Built-in defaults"}


RULES = VersionedConfig(Rules, missing="rules version", defaults=_defaults)
FRAMEWORKS = VersionedConfig(
    Framework, missing="framework version", defaults=_defaults, scope="code"
)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """Fresh tables for each test, so each starts with nothing published."""
    engine = create_async_engine(async_database_url(database_url))
    async with engine.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        await connection.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
        await connection.run_sync(Base.metadata.create_all)
    yield engine
    async with engine.begin() as connection:
        await connection.execute(text(f'DROP SCHEMA "{SCHEMA}" CASCADE'))
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def test_the_defaults_are_version_1_until_a_version_is_published(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    author = uuid.uuid4()
    async with sessions() as session, session.begin():
        first = await RULES.current(session)
        assert (first.version, first.colour, first.published_by) == (1, "grey", None)
        assert (await RULES.current(session)).version == 1
        published = await RULES.publish(session, {"colour": "green", "note": "Greener"}, author)
        assert (published.version, published.published_by) == (2, author)
    async with sessions() as session, session.begin():
        assert (await RULES.current(session)).colour == "green"
        # Every version is kept as it was published.
        assert (await RULES.version(session, 1)).colour == "grey"
        assert (await RULES.version(session, 2)).note == "Greener"
        with pytest.raises(NotFound):
            await RULES.version(session, 3)
        assert await session.scalar(select(func.count()).select_from(Rules)) == 2


async def test_asking_for_version_1_stores_the_defaults_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        assert (await RULES.version(session, 1)).colour == "grey"
        with pytest.raises(NotFound):
            await RULES.version(session, 2)


async def test_each_series_is_numbered_on_its_own(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        for colour in ("red", "crimson"):
            await FRAMEWORKS.publish(session, {"colour": colour, "note": "Redder"}, None, "a")
        await FRAMEWORKS.publish(session, {"colour": "blue", "note": "Bluer"}, None, "b")
    async with sessions() as session, session.begin():
        a, b = await FRAMEWORKS.current(session, "a"), await FRAMEWORKS.current(session, "b")
        assert (a.code, a.version, a.colour) == ("a", 3, "crimson")
        assert (b.code, b.version, b.colour) == ("b", 2, "blue")
        assert (await FRAMEWORKS.version(session, 1, "b")).colour == "grey-b"
        assert (await FRAMEWORKS.current(session, "c")).version == 1
        with pytest.raises(NotFound):
            await FRAMEWORKS.version(session, 3, "b")


async def test_a_publication_waits_for_one_under_way_and_takes_the_next_number(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await RULES.current(session)
    async with sessions() as first, sessions() as second:
        await first.begin()
        mine = await RULES.publish(first, {"colour": "amber", "note": "First"}, None)
        theirs = asyncio.create_task(
            RULES.publish(second, {"colour": "teal", "note": "Second"}, None)
        )
        await asyncio.sleep(0.5)
        # Numbered from the same highest version, it would collide on the primary key.
        assert not theirs.done()
        await first.commit()
        later = await asyncio.wait_for(theirs, timeout=10)
        await second.commit()
    assert (mine.version, later.version) == (2, 3)


async def test_two_first_readers_store_one_version_1(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as first, sessions() as second:
        await first.begin()
        await second.begin()
        one = await RULES.current(first)
        other = asyncio.create_task(RULES.current(second))
        await asyncio.sleep(0.5)
        await first.commit()
        two = await asyncio.wait_for(other, timeout=10)
        await second.commit()
    assert one.version == two.version == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Rules)) == 1
