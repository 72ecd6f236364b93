"""Opening, closing and reopening cases; allocations; workbook episodes."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import Forbidden, NotFound, ProblemError
from services.outbox import publish
from services.principal import Principal
from workbook_api.access.visibility import (
    SYSTEM_ROLE,
    allocation_current,
    case_visible,
    current_allocations,
)
from workbook_api.cases.models import Allocation, Case, Episode
from workbook_api.cases.schemas import AllocationCreate, AllocationEnd, CaseCreate
from workbook_api.families.models import Family
from workbook_api.families.service import load_family_or_404
from workbook_api.models import kernel

SOURCE = "/workbook"
EVENT_PREFIX = "uk.gov.fsm.workbook"
CASE_CLOSED_REASON = "case closed"


async def db_now(session: AsyncSession) -> datetime:
    """The transaction's clock, the same one the visibility rules compare against."""
    now: datetime | None = await session.scalar(select(func.now()))
    assert now is not None
    return now


def require_case_manager(principal: Principal, case: Case) -> None:
    """Refuse anyone but a manager of the owning team (or the system of record)."""
    if principal.has_role(SYSTEM_ROLE):
        return
    if case.owning_team_id not in principal.managed_team_ids:
        raise Forbidden("Only a manager of the team that owns this case can do this.")


async def publish_case_event(session: AsyncSession, case: Case, name: str, **data: Any) -> None:
    """Publish a case lifecycle event; ids and times only, never reasons or narrative."""
    await publish(
        session,
        kernel.outbox_event,
        type=f"{EVENT_PREFIX}.case.{name}",
        source=SOURCE,
        subject=f"cases/{case.id}",
        data={
            "case_id": case.id,
            "family_id": case.family_id,
            "owning_team_id": case.owning_team_id,
            "status": case.status,
            **data,
        },
        team_id=case.owning_team_id,
    )


async def publish_allocation_changed(
    session: AsyncSession, case: Case, allocation: Allocation, change: str
) -> None:
    """Tell other services who now works on a case (supervision invites them, for one)."""
    await publish(
        session,
        kernel.outbox_event,
        type=f"{EVENT_PREFIX}.allocation.changed",
        source=SOURCE,
        subject=f"cases/{case.id}/allocations/{allocation.id}",
        data={
            "change": change,
            "case_id": case.id,
            "allocation_id": allocation.id,
            "practitioner_id": allocation.practitioner_id,
            "practitioner_name": allocation.practitioner_name,
            "discipline": allocation.discipline,
            "is_allocated_social_worker": allocation.is_allocated_social_worker,
            "starts_at": allocation.starts_at,
            "ends_at": allocation.ends_at,
        },
        team_id=case.owning_team_id,
    )


# Cases ------------------------------------------------------------------------------------


async def open_case(
    session: AsyncSession, principal: Principal, body: CaseCreate
) -> tuple[Case, Episode]:
    """Open a case for a visible family, owned by a team the caller manages; episode 1 opens."""
    if (
        not principal.has_role(SYSTEM_ROLE)
        and body.owning_team_id not in principal.managed_team_ids
    ):
        raise Forbidden("Only a manager of the owning team can open a case for it.")
    # Locking the family serialises concurrent opens, so "one open case" is checked, not raced.
    family = await load_family_or_404(session, principal, body.family_id, lock=True)
    already_open = await session.scalar(
        select(Case.id).where(Case.family_id == family.id, Case.status == "open")
    )
    if already_open is not None:
        raise ProblemError(409, "case-already-open", "This family already has an open case.")
    now = await db_now(session)
    case = Case(
        family_id=family.id,
        owning_team_id=body.owning_team_id,
        status="open",
        opened_at=now,
        opened_reason=body.reason,
        opened_by_practitioner_id=principal.practitioner_id,
    )
    session.add(case)
    await session.flush()
    episode = Episode(
        case_id=case.id,
        number=1,
        opened_at=now,
        opened_by_event="case_opened",
        opened_reason=body.reason,
    )
    session.add(episode)
    await session.flush()
    await publish_case_event(session, case, "opened", opened_at=now, episode_number=1)
    return case, episode


async def open_next_episode(
    session: AsyncSession, case: Case, reason: str, *, reason_text: str | None = None
) -> Episode:
    """Close the case's open episode and open the next one (after group supervision, say).

    `reason` is the event that opens it ("group_supervision", "case_reopened"); `reason_text`
    what a person wrote, if anyone did. The caller should hold the case row lock
    (load_case_or_404(..., lock=True)).
    """
    now = await db_now(session)
    current = await session.scalar(
        select(Episode).where(Episode.case_id == case.id, Episode.closed_at.is_(None))
    )
    if current is not None:
        current.closed_at = now
    last = await session.scalar(select(func.max(Episode.number)).where(Episode.case_id == case.id))
    await session.flush()
    episode = Episode(
        case_id=case.id,
        number=(last or 0) + 1,
        opened_at=now,
        opened_by_event=reason,
        opened_reason=reason_text,
    )
    session.add(episode)
    await session.flush()
    await publish(
        session,
        kernel.outbox_event,
        type=f"{EVENT_PREFIX}.episode.opened",
        source=SOURCE,
        subject=f"cases/{case.id}/episodes/{episode.number}",
        data={
            "case_id": case.id,
            "episode_id": episode.id,
            "number": episode.number,
            "opened_at": now,
            "opened_by_event": reason,
        },
        team_id=case.owning_team_id,
    )
    return episode


async def close_case(
    session: AsyncSession, principal: Principal, case: Case, reason: str
) -> list[Allocation]:
    """Close an open case: its allocations and open episode end at the same instant.

    Allocations are ended, not deleted, so the history of who worked on the family stays; the
    workers allocated at closure keep read access to the closed case (access/visibility.py).
    """
    require_case_manager(principal, case)
    if case.status != "open":
        raise ProblemError(409, "case-closed", "This case is already closed.")
    now = await db_now(session)
    case.status = "closed"
    case.closed_at = now
    case.closed_reason = reason
    case.closed_by_practitioner_id = principal.practitioner_id
    ended = list(
        await session.scalars(
            select(Allocation).where(
                Allocation.case_id == case.id,
                or_(Allocation.ends_at.is_(None), Allocation.ends_at > now),
            )
        )
    )
    for allocation in ended:
        # One that had not started yet ends as it begins: it never gave anyone access.
        allocation.ends_at = max(now, allocation.starts_at)
        allocation.ended_reason = CASE_CLOSED_REASON
    episode = await session.scalar(
        select(Episode).where(Episode.case_id == case.id, Episode.closed_at.is_(None))
    )
    if episode is not None:
        episode.closed_at = now
        episode.closed_reason = reason
    await session.flush()
    await publish_case_event(session, case, "closed", closed_at=now)
    for allocation in ended:
        await publish_allocation_changed(session, case, allocation, "ended")
    return ended


async def reopen_case(
    session: AsyncSession, principal: Principal, case: Case, reason: str
) -> Episode:
    """Reopen a closed case; a new episode opens and the manager allocates afresh."""
    require_case_manager(principal, case)
    if case.status != "closed":
        raise ProblemError(409, "case-open", "This case is already open.")
    other = await session.scalar(
        select(Case.id).where(Case.family_id == case.family_id, Case.status == "open")
    )
    if other is not None:
        raise ProblemError(409, "case-already-open", "This family already has an open case.")
    case.status = "open"
    case.closed_at = None
    case.closed_reason = None
    case.closed_by_practitioner_id = None
    await session.flush()
    episode = await open_next_episode(session, case, "case_reopened", reason_text=reason)
    await publish_case_event(session, case, "reopened", reason_recorded=True)
    return episode


async def list_cases(
    session: AsyncSession,
    principal: Principal,
    *,
    limit: int,
    after: tuple[Any, ...] | None,
    status: str | None,
    owning_team_id: UUID | None,
    family_id: UUID | None,
) -> list[tuple[Case, str]]:
    """Visible cases with their family's name, newest first, limit+1 rows after the key."""
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
    if after is not None:
        query = query.where(tuple_(Case.created_at, Case.id) < tuple_(*after))
    query = query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit + 1)
    rows = await session.execute(query)
    return [(case, name) for case, name in rows]


async def family_name(session: AsyncSession, case: Case) -> str:
    """The name of the family a (visible) case is with."""
    name = await session.scalar(select(Family.name).where(Family.id == case.family_id))
    assert name is not None
    return name


async def current_episode(session: AsyncSession, case_id: UUID) -> Episode | None:
    """The case's open episode, if it has one."""
    episode: Episode | None = await session.scalar(
        select(Episode).where(Episode.case_id == case_id, Episode.closed_at.is_(None))
    )
    return episode


async def list_current_allocations(session: AsyncSession, case_id: UUID) -> list[Allocation]:
    """The allocations in force now."""
    return list(await session.scalars(current_allocations(case_id)))


# Allocations ------------------------------------------------------------------------------


class SocialWorkerAlreadyAllocated(ProblemError):
    """The case already has an allocated social worker over (part of) that period."""

    def __init__(self, existing: UUID | None = None) -> None:
        extensions: dict[str, Any] = {}
        if existing is not None:
            extensions["conflicting_allocation_id"] = str(existing)
        super().__init__(
            409,
            "social-worker-already-allocated",
            "A case has one allocated social worker at a time; end the current allocation first.",
            **extensions,
        )


class PractitionerAlreadyAllocated(ProblemError):
    """The practitioner is already allocated to the case over (part of) that period."""

    def __init__(self) -> None:
        super().__init__(
            409,
            "practitioner-already-allocated",
            "This practitioner is already allocated to the case for that period.",
        )


def _overlaps(start: datetime, end: datetime | None) -> Any:
    # Half-open periods [starts_at, ends_at): a handover at the same instant is not an overlap.
    conditions = [or_(Allocation.ends_at.is_(None), Allocation.ends_at > start)]
    if end is not None:
        conditions.append(Allocation.starts_at < end)
    return conditions


async def allocate(
    session: AsyncSession,
    principal: Principal,
    case: Case,
    body: AllocationCreate,
    *,
    social_work_disciplines: tuple[str, ...],
) -> Allocation:
    """Allocate a practitioner to an open case; the caller holds the case row lock."""
    require_case_manager(principal, case)
    if case.status != "open":
        raise ProblemError(
            409, "case-closed", "Practitioners cannot be allocated to a closed case."
        )
    if body.is_allocated_social_worker and body.discipline not in social_work_disciplines:
        raise ProblemError(
            422,
            "validation",
            "The request is not valid; see errors.",
            errors=[
                {
                    "location": ["body", "discipline"],
                    "message": "The allocated social worker must hold a social work discipline.",
                    "code": "discipline",
                }
            ],
        )
    now = await db_now(session)
    starts_at = body.starts_at or now
    if body.ends_at is not None and body.ends_at <= starts_at:
        raise ProblemError(422, "validation", "ends_at must be after starts_at.")
    if body.is_allocated_social_worker:
        existing = await session.scalar(
            select(Allocation.id).where(
                Allocation.case_id == case.id,
                Allocation.is_allocated_social_worker,
                *_overlaps(starts_at, body.ends_at),
            )
        )
        if existing is not None:
            raise SocialWorkerAlreadyAllocated(existing)
    same_person = await session.scalar(
        select(Allocation.id).where(
            Allocation.case_id == case.id,
            Allocation.practitioner_id == body.practitioner_id,
            *_overlaps(starts_at, body.ends_at),
        )
    )
    if same_person is not None:
        raise PractitionerAlreadyAllocated()
    allocation = Allocation(
        case_id=case.id,
        practitioner_id=body.practitioner_id,
        practitioner_name=body.practitioner_name,
        discipline=body.discipline,
        is_allocated_social_worker=body.is_allocated_social_worker,
        starts_at=starts_at,
        ends_at=body.ends_at,
        allocated_by_practitioner_id=principal.practitioner_id,
    )
    session.add(allocation)
    try:
        await session.flush()
    except IntegrityError as exc:
        # The exclusion constraints are the last word should a writer bypass the row lock.
        message = str(exc.orig)
        if "ex_allocation_one_social_worker" in message:
            raise SocialWorkerAlreadyAllocated() from exc
        if "ex_allocation_no_overlap_per_practitioner" in message:
            raise PractitionerAlreadyAllocated() from exc
        raise
    await publish_allocation_changed(session, case, allocation, "allocated")
    return allocation


async def load_allocation_or_404(
    session: AsyncSession, case: Case, allocation_id: UUID
) -> Allocation:
    """Load an allocation of an already visible case."""
    allocation = await session.scalar(
        select(Allocation).where(Allocation.id == allocation_id, Allocation.case_id == case.id)
    )
    if allocation is None:
        raise NotFound("allocation")
    return allocation


async def end_allocation(
    session: AsyncSession,
    principal: Principal,
    case: Case,
    allocation: Allocation,
    body: AllocationEnd,
) -> Allocation:
    """End (or bring forward the end of) an allocation; it stays in the history."""
    require_case_manager(principal, case)
    now = await db_now(session)
    ends_at = body.ends_at or now
    if allocation.ends_at is not None and allocation.ends_at <= now:
        raise ProblemError(409, "allocation-ended", "This allocation has already ended.")
    if ends_at < allocation.starts_at:
        raise ProblemError(422, "validation", "ends_at cannot be before the allocation starts.")
    if allocation.ends_at is not None and ends_at > allocation.ends_at:
        raise ProblemError(
            422, "validation", "An end can be brought forward here, not pushed back."
        )
    allocation.ends_at = ends_at
    allocation.ended_reason = body.reason
    await session.flush()
    await publish_allocation_changed(session, case, allocation, "ended")
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


# Episodes ---------------------------------------------------------------------------------


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
