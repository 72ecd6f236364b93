"""Case, allocation and episode queries; the case itself is already visible to the caller."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import NotFound
from services.event_contracts import FAMILY_SAFEGUARDING
from services.pagination import Keyset, PageRequest, aware_datetime, uuid_value
from services.principal import Principal
from workbook_api.access.visibility import allocation_current, case_visible, current_allocations
from workbook_api.cases.models import Allocation, Case, Episode
from workbook_api.families.models import Family

CASE_ORDER = Keyset((Case.created_at, aware_datetime), (Case.id, uuid_value))


async def list_cases(
    session: AsyncSession,
    principal: Principal,
    page: PageRequest,
    *,
    status: str | None,
    owning_team_id: UUID | None,
    family_id: UUID | None,
    kind: str | None = None,
) -> tuple[list[tuple[Case, str]], str | None]:
    """A page of the cases the caller may see, newest first, with their family's name."""
    query = (
        select(Case, Family.name)
        .join(Family, Family.id == Case.family_id)
        .where(case_visible(principal, Case.id))
    )
    if status is not None:
        query = query.where(Case.status == status)
    if owning_team_id is not None:
        query = query.where(Case.owning_team_id == owning_team_id)
    if family_id is not None:
        query = query.where(Case.family_id == family_id)
    if kind is not None:
        query = query.where(Case.kind == kind)
    rows = [(case, name) for case, name in await session.execute(CASE_ORDER.apply(query, page))]
    return CASE_ORDER.page(rows, page, lambda row: (row[0].created_at, row[0].id))


async def open_case_of_family(
    session: AsyncSession, family_id: UUID, kind: str = FAMILY_SAFEGUARDING
) -> UUID | None:
    """The id of the family's open case of that kind, if it has one."""
    found: UUID | None = await session.scalar(
        select(Case.id).where(Case.family_id == family_id, Case.kind == kind, Case.status == "open")
    )
    return found


async def family_name(session: AsyncSession, family_id: UUID) -> str:
    """A family's name (the family is already known to the caller)."""
    name = await session.scalar(select(Family.name).where(Family.id == family_id))
    assert name is not None
    return name


async def open_episode(session: AsyncSession, case_id: UUID) -> Episode | None:
    """The case's open episode, if it has one."""
    episode: Episode | None = await session.scalar(
        select(Episode).where(Episode.case_id == case_id, Episode.closed_at.is_(None))
    )
    return episode


async def last_episode_number(session: AsyncSession, case_id: UUID) -> int:
    """The highest episode number of a case (0 before its first)."""
    last = await session.scalar(select(func.max(Episode.number)).where(Episode.case_id == case_id))
    return int(last or 0)


async def list_current_allocations(session: AsyncSession, case_id: UUID) -> list[Allocation]:
    """The allocations in force now, social worker first."""
    return list(await session.scalars(current_allocations(case_id)))


async def allocations_not_ended(
    session: AsyncSession, case_id: UUID, now: datetime
) -> list[Allocation]:
    """Allocations still running (or yet to start) at `now`."""
    return list(
        await session.scalars(
            select(Allocation).where(
                Allocation.case_id == case_id,
                or_(Allocation.ends_at.is_(None), Allocation.ends_at > now),
            )
        )
    )


def _overlapping(case_id: UUID, start: datetime, end: datetime | None) -> Any:
    # Half-open periods [starts_at, ends_at): a handover at the same instant is not an overlap.
    query = select(Allocation.id).where(
        Allocation.case_id == case_id,
        or_(Allocation.ends_at.is_(None), Allocation.ends_at > start),
    )
    if end is not None:
        query = query.where(Allocation.starts_at < end)
    return query


async def overlapping_social_worker(
    session: AsyncSession, case_id: UUID, start: datetime, end: datetime | None
) -> UUID | None:
    """An allocated social worker whose period overlaps [start, end), if any."""
    found: UUID | None = await session.scalar(
        _overlapping(case_id, start, end).where(Allocation.is_allocated_social_worker)
    )
    return found


async def overlapping_allocation_of(
    session: AsyncSession,
    case_id: UUID,
    practitioner_id: UUID,
    start: datetime,
    end: datetime | None,
) -> UUID | None:
    """The practitioner's own allocation overlapping [start, end), if any."""
    found: UUID | None = await session.scalar(
        _overlapping(case_id, start, end).where(Allocation.practitioner_id == practitioner_id)
    )
    return found


async def load_allocation_or_404(
    session: AsyncSession, case_id: UUID, allocation_id: UUID
) -> Allocation:
    """An allocation of an already visible case."""
    allocation = await session.scalar(
        select(Allocation).where(Allocation.id == allocation_id, Allocation.case_id == case_id)
    )
    if allocation is None:
        raise NotFound("allocation")
    return allocation


async def list_allocations(session: AsyncSession, case_id: UUID, *, state: str) -> list[Allocation]:
    """A case's allocations: current, past, or all, in the order they started."""
    query = select(Allocation).where(Allocation.case_id == case_id)
    if state == "current":
        query = query.where(allocation_current())
    elif state == "past":
        query = query.where(Allocation.ends_at.is_not(None), Allocation.ends_at <= func.now())
    query = query.order_by(Allocation.starts_at, Allocation.id)
    return list(await session.scalars(query))


async def list_episodes(session: AsyncSession, case_id: UUID) -> list[Episode]:
    """A case's episodes in order."""
    return list(
        await session.scalars(
            select(Episode).where(Episode.case_id == case_id).order_by(Episode.number)
        )
    )


async def load_episode_or_404(session: AsyncSession, case_id: UUID, number: int) -> Episode:
    """One episode of a visible case by its number."""
    episode = await session.scalar(
        select(Episode).where(Episode.case_id == case_id, Episode.number == number)
    )
    if episode is None:
        raise NotFound("episode")
    return episode


async def running_allocations_of(
    session: AsyncSession, practitioner_id: UUID, now: datetime
) -> list[tuple[Allocation, Case]]:
    """A practitioner's allocations still running (or yet to start) at `now`, with their case."""
    rows = await session.execute(
        select(Allocation, Case)
        .join(Case, Case.id == Allocation.case_id)
        .where(
            Allocation.practitioner_id == practitioner_id,
            or_(Allocation.ends_at.is_(None), Allocation.ends_at > now),
        )
        .order_by(Allocation.starts_at, Allocation.id)
        .with_for_update(of=Allocation)
    )
    return [(allocation, case) for allocation, case in rows]
