"""The directory always keeps someone who can manage it: an active administrator.

Nobody deactivates themselves, and the last active administrator can neither be deactivated
nor lose the role. Roles and active status live on the practitioner only (team memberships
carry a team role, member or manager, never `administrator`), so those are the paths guarded.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.directory.models import Practitioner
from services.errors import ProblemError

ADMINISTRATOR = "administrator"


class SelfDeactivation(ProblemError):
    """Nobody deactivates themselves: another administrator must."""

    def __init__(self) -> None:
        super().__init__(
            409,
            "self-deactivation",
            "You cannot deactivate yourself; ask another administrator.",
        )


class LastAdministrator(ProblemError):
    """The change would leave the directory with no active administrator to manage it."""

    def __init__(self) -> None:
        super().__init__(
            409,
            "last-administrator",
            "This is the last active administrator: make someone else an administrator first.",
        )


def is_active_administrator(practitioner: Practitioner) -> bool:
    """Whether the practitioner can manage the directory right now."""
    return practitioner.active and ADMINISTRATOR in practitioner.roles


async def keep_an_administrator(session: AsyncSession, leaving: Practitioner) -> None:
    """Refuse to let `leaving` stop being an active administrator if nobody else is one.

    Every active administrator's row is locked (in id order, so two such changes never
    deadlock) until the transaction ends. A concurrent change waits here; it then re-reads
    the rows it locks, so it sees an administrator who has just been deactivated as gone
    (READ COMMITTED re-checks a locked row's new version against the WHERE clause).
    """
    others = await session.scalars(
        select(Practitioner.id)
        .where(
            Practitioner.active.is_(True),
            Practitioner.roles.contains([ADMINISTRATOR]),
        )
        .order_by(Practitioner.id)
        .with_for_update()
    )
    if all(admin_id == leaving.id for admin_id in others):
        raise LastAdministrator()


async def guard_roles_change(
    session: AsyncSession, practitioner: Practitioner, roles: Sequence[str] | None
) -> None:
    """Refuse new roles that would take the last active administrator's role away."""
    if roles is not None and ADMINISTRATOR not in roles and is_active_administrator(practitioner):
        await keep_an_administrator(session, practitioner)


async def guard_deactivation(
    session: AsyncSession, practitioner: Practitioner, actor_id: UUID
) -> None:
    """Refuse to deactivate yourself, or the last active administrator."""
    if practitioner.id == actor_id:
        raise SelfDeactivation()
    if is_active_administrator(practitioner):
        await keep_an_administrator(session, practitioner)
