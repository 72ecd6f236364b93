"""Reading and adding claim settings versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.claims.settings.models import ClaimSettings


async def latest(session: AsyncSession) -> ClaimSettings | None:
    """The version in force: the highest."""
    found: ClaimSettings | None = await session.scalar(
        select(ClaimSettings).order_by(ClaimSettings.version.desc()).limit(1)
    )
    return found


async def by_version(session: AsyncSession, version: int) -> ClaimSettings | None:
    """One version, if published."""
    return await session.get(ClaimSettings, version)


async def insert_first(session: AsyncSession, values: dict[str, Any]) -> None:
    """Store version 1 unless a concurrent request already did."""
    await session.execute(
        insert(ClaimSettings).values(version=1, **values).on_conflict_do_nothing()
    )


async def lock_versions(session: AsyncSession) -> int:
    """Serialise publications for the rest of the transaction; the highest version so far."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('pathway.claim_settings'))"))
    highest: int | None = await session.scalar(select(func.max(ClaimSettings.version)))
    return highest or 0
