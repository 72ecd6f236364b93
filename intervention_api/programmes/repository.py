"""SQL for programme versions. The catalogue is not case data: any signed-in caller reads it."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.programmes.models import ProgrammeVersion

# One code's versions are numbered in order; concurrent loads of one code take turns.
_LOCK_NAMESPACE = 0x50524F47  # "PROG"


async def lock_code(session: AsyncSession, code: str) -> None:
    """Serialise loads of one programme code until the transaction ends."""
    await session.execute(select(func.pg_advisory_xact_lock(_LOCK_NAMESPACE, func.hashtext(code))))


async def latest_version_number(session: AsyncSession, code: str) -> int:
    """The highest version loaded for `code`, 0 if none."""
    found = await session.scalar(
        select(func.max(ProgrammeVersion.version)).where(ProgrammeVersion.code == code)
    )
    return int(found or 0)


async def get(session: AsyncSession, programme_id: UUID) -> ProgrammeVersion | None:
    """A programme version by id."""
    return await session.get(ProgrammeVersion, programme_id)


async def list_versions(
    session: AsyncSession, *, code: str | None, latest_only: bool
) -> list[ProgrammeVersion]:
    """Programme versions by code, newest version first."""
    query = select(ProgrammeVersion)
    if code is not None:
        query = query.where(ProgrammeVersion.code == code)
    if latest_only:
        latest = (
            select(ProgrammeVersion.code, func.max(ProgrammeVersion.version).label("newest"))
            .group_by(ProgrammeVersion.code)
            .subquery()
        )
        query = query.join(
            latest,
            (latest.c.code == ProgrammeVersion.code)
            & (latest.c.newest == ProgrammeVersion.version),
        )
    query = query.order_by(ProgrammeVersion.code, ProgrammeVersion.version.desc()).limit(500)
    return list(await session.scalars(query))
