"""Reading and updating the directory projection; a snapshot applies only if it is newer."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.event_contracts import PractitionerSnapshot
from workbook_api.practitioners.models import DirectoryPractitioner


async def apply_snapshot(session: AsyncSession, snapshot: PractitionerSnapshot) -> bool:
    """Store the snapshot unless one as new is already held; True when it was stored."""
    values = {
        "id": snapshot.practitioner_id,
        "display_name": snapshot.display_name,
        "discipline": snapshot.discipline,
        "roles": snapshot.roles,
        "active": snapshot.active,
        "memberships": [m.model_dump(mode="json") for m in snapshot.memberships],
        "version": snapshot.version,
    }
    statement = pg_insert(DirectoryPractitioner).values(values)
    stored = await session.scalar(
        statement.on_conflict_do_update(
            index_elements=[DirectoryPractitioner.id],
            set_={name: statement.excluded[name] for name in values if name != "id"},
            # Deliveries come in any order and more than once: only a newer version wins.
            where=DirectoryPractitioner.version < statement.excluded.version,
        ).returning(DirectoryPractitioner.id)
    )
    return stored is not None


async def find(session: AsyncSession, practitioner_id: UUID) -> DirectoryPractitioner | None:
    """The practitioner as the directory last announced them, if it ever did."""
    found: DirectoryPractitioner | None = await session.scalar(
        select(DirectoryPractitioner).where(DirectoryPractitioner.id == practitioner_id)
    )
    return found
