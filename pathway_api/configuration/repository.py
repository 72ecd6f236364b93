"""Reading and adding configuration versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.configuration.models import Configuration


async def latest(session: AsyncSession) -> Configuration | None:
    """The version in force: the highest."""
    found: Configuration | None = await session.scalar(
        select(Configuration).order_by(Configuration.version.desc()).limit(1)
    )
    return found


async def by_version(session: AsyncSession, version: int) -> Configuration | None:
    """One version, if published."""
    return await session.get(Configuration, version)


async def insert_first(session: AsyncSession, values: dict[str, Any]) -> None:
    """Store version 1 unless a concurrent request already did."""
    await session.execute(
        insert(Configuration).values(version=1, **values).on_conflict_do_nothing()
    )


async def lock_versions(session: AsyncSession) -> int:
    """Serialise publications for the rest of the transaction; the highest version so far."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('pathway.configuration'))"))
    highest: int | None = await session.scalar(select(func.max(Configuration.version)))
    return highest or 0
