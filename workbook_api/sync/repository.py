"""The push operations a caller's devices had applied, by the devices' own ids for them."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workbook_api.entries.models import Entry
from workbook_api.sync.models import SyncOperation


async def applied(session: AsyncSession, subject: str, op_id: UUID) -> SyncOperation | None:
    """The caller's operation with this id, if an earlier push applied it."""
    found: SyncOperation | None = await session.scalar(
        select(SyncOperation).where(SyncOperation.subject == subject, SyncOperation.op_id == op_id)
    )
    return found


def remember(session: AsyncSession, subject: str, op_id: UUID, digest: str, entry_id: UUID) -> None:
    """Keep an applied operation, so that the same one pushed again is not applied twice."""
    session.add(SyncOperation(subject=subject, op_id=op_id, request_hash=digest, entry_id=entry_id))


async def entry_exists(session: AsyncSession, entry_id: UUID) -> bool:
    """Whether an entry with this id exists anywhere (a device's id must be new)."""
    return await session.scalar(select(Entry.id).where(Entry.id == entry_id)) is not None
