"""Opening, closing and reopening cases; allocations; workbook episodes.

Handlers pass what their dependencies loaded and authorised (workbook_api/access/dependencies.py);
these functions apply the rules of the change itself (a case is open once, one allocated social
worker at a time) and trust the caller's standing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import Forbidden, ProblemError, invalid
from services.event_contracts import FAMILY_SAFEGUARDING
from services.principal import Principal
from workbook_api.access.visibility import SYSTEM_ROLE
from workbook_api.cases import repository
from workbook_api.cases.events import (
    publish_allocation_changed,
    publish_case_changed,
    publish_episode_opened,
)
from workbook_api.cases.models import Allocation, Case, Episode
from workbook_api.cases.schemas import AllocationCreate, AllocationEnd, CaseCreate
from workbook_api.families import repository as families
from workbook_api.practitioners import repository as practitioners
from workbook_api.practitioners.models import DirectoryPractitioner
from workbook_api.retention.repository import certificate_of

CASE_CLOSED_REASON = "case closed"


def family_already_open() -> ProblemError:
    """A family has one open involvement of each kind at a time: a second would split it."""
    return ProblemError(
        409, "case-already-open", "This family already has an open case of this kind."
    )


# Cases ------------------------------------------------------------------------------------


async def open_case(
    session: AsyncSession, principal: Principal, body: CaseCreate
) -> tuple[Case, str, Episode]:
    """Open a case for a visible family, owned by a team the caller manages; episode 1 opens."""
    if (
        not principal.has_role(SYSTEM_ROLE)
        and body.owning_team_id not in principal.managed_team_ids
    ):
        raise Forbidden("Only a manager of the owning team can open a case for it.")
    # Locking the family serialises concurrent opens, so "one open case" is checked, not raced.
    family = await families.load_family_or_404(session, principal, body.family_id, lock=True)
    if await repository.open_case_of_family(session, family.id, body.kind) is not None:
        raise family_already_open()
    now = await transaction_now(session)
    case = Case(
        family_id=family.id,
        owning_team_id=body.owning_team_id,
        status="open",
        kind=body.kind,
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
    await publish_case_changed(session, case, "opened")
    return case, family.name, episode


async def open_next_episode(
    session: AsyncSession,
    case: Case,
    reason: str,
    *,
    reason_text: str | None = None,
    change: str = "episode_opened",
) -> Episode:
    """Close the case's open episode and open the next one (after group supervision, say).

    `reason` is the event that opens it ("group_supervision", "case_reopened"); `reason_text`
    what a person wrote, if anyone did; `change` what the case's announcement calls it. The
    caller holds the case row lock.
    """
    # The case's current episode is part of it: its version moves on with the episode (set
    # first, so that a change the caller made to the case goes out in the same UPDATE).
    case.updated_at = func.now()
    now = await transaction_now(session)
    current = await repository.open_episode(session, case.id)
    if current is not None:
        current.closed_at = now
    number = await repository.last_episode_number(session, case.id) + 1
    await session.flush()
    episode = Episode(
        case_id=case.id,
        number=number,
        opened_at=now,
        opened_by_event=reason,
        opened_reason=reason_text,
    )
    session.add(episode)
    await session.flush()
    await publish_episode_opened(session, case, episode, now)
    await publish_case_changed(session, case, change)
    return episode


async def close_case(
    session: AsyncSession,
    principal: Principal,
    case: Case,
    episode: Episode | None,
    reason: str,
    *,
    at: datetime | None = None,
) -> list[Allocation]:
    """Close an open case: its allocations and open episode end at the same instant.

    Allocations are ended, not deleted, so the history of who worked on the family stays; the
    workers allocated at closure keep read access to the closed case (access/visibility.py).
    `at` is when it closed, for the system of record's closures (default: now).
    """
    if case.status != "open":
        raise ProblemError(409, "case-closed", "This case is already closed.")
    now = at if at is not None else await transaction_now(session)
    case.status = "closed"
    case.closed_at = now
    case.closed_reason = reason
    case.closed_by_practitioner_id = principal.practitioner_id
    ended = await repository.allocations_not_ended(session, case.id, now)
    for allocation in ended:
        # One that had not started yet ends as it begins: it never gave anyone access.
        allocation.ends_at = max(now, allocation.starts_at)
        allocation.ended_reason = CASE_CLOSED_REASON
    if episode is not None:
        episode.closed_at = now
        episode.closed_reason = reason
    await session.flush()
    await publish_case_changed(session, case, "closed")
    for allocation in ended:
        await publish_allocation_changed(session, case, allocation, "ended")
    return ended


async def reopen_case(session: AsyncSession, case: Case, reason: str) -> Episode:
    """Reopen a closed case; a new episode opens and the manager allocates afresh."""
    if case.status != "closed":
        raise ProblemError(409, "case-open", "This case is already open.")
    if await certificate_of(session, case.id) is not None:
        # Its narrative is tombstones in every unit: new work opens a new case.
        raise ProblemError(
            409, "case-destroyed", "This case was destroyed under the retention schedule."
        )
    if await repository.open_case_of_family(session, case.family_id, case.kind) is not None:
        raise family_already_open()
    case.status = "open"
    case.closed_at = None
    case.closed_reason = None
    case.closed_by_practitioner_id = None
    # One change, one new version: the case reopens with its next episode.
    return await open_next_episode(
        session, case, "case_reopened", reason_text=reason, change="reopened"
    )


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


def check_against_directory(body: AllocationCreate, known: DirectoryPractitioner | None) -> None:
    """Refuse an allocation the directory does not bear out: unknown, left, or wrong discipline."""
    if known is None:
        raise invalid(
            "body",
            "practitioner_id",
            message="No practitioner with this id is in the directory.",
            code="unknown_practitioner",
        )
    if not known.active:
        raise invalid(
            "body",
            "practitioner_id",
            message="This practitioner has been deactivated in the directory.",
            code="inactive_practitioner",
        )
    if body.discipline != known.discipline:
        raise invalid(
            "body",
            "discipline",
            message=f"The directory gives this practitioner the discipline {known.discipline!r}.",
            code="discipline_mismatch",
        )


async def allocate(
    session: AsyncSession,
    principal: Principal,
    case: Case,
    body: AllocationCreate,
    *,
    social_work_disciplines: tuple[str, ...],
) -> Allocation:
    """Allocate a practitioner to an open, locked case the caller manages."""
    if case.status != "open":
        raise ProblemError(
            409, "case-closed", "Practitioners cannot be allocated to a closed case."
        )
    known = await practitioners.find(session, body.practitioner_id)
    check_against_directory(body, known)
    assert known is not None
    # On an early help case the allocated worker is the family's lead practitioner, who may
    # be of any discipline (a family support worker, a school's pastoral lead).
    if (
        body.is_allocated_social_worker
        and case.kind == FAMILY_SAFEGUARDING
        and body.discipline not in social_work_disciplines
    ):
        raise invalid(
            "body",
            "discipline",
            message="The allocated social worker must hold a social work discipline.",
            code="discipline",
        )
    now = await transaction_now(session)
    starts_at = body.starts_at or now
    if body.ends_at is not None and body.ends_at <= starts_at:
        raise invalid("body", "ends_at", message="ends_at must be after starts_at.")
    if body.is_allocated_social_worker:
        existing = await repository.overlapping_social_worker(
            session, case.id, starts_at, body.ends_at
        )
        if existing is not None:
            raise SocialWorkerAlreadyAllocated(existing)
    if await repository.overlapping_allocation_of(
        session, case.id, body.practitioner_id, starts_at, body.ends_at
    ):
        raise PractitionerAlreadyAllocated()
    allocation = Allocation(
        case_id=case.id,
        practitioner_id=body.practitioner_id,
        # The legal record names the person as the directory does, not as the request typed.
        practitioner_name=known.display_name,
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


async def end_allocation(
    session: AsyncSession, case: Case, allocation: Allocation, body: AllocationEnd
) -> Allocation:
    """End (or bring forward the end of) an allocation; it stays in the history."""
    now = await transaction_now(session)
    ends_at: datetime = body.ends_at or now
    if allocation.ends_at is not None and allocation.ends_at <= now:
        raise ProblemError(409, "allocation-ended", "This allocation has already ended.")
    if ends_at < allocation.starts_at:
        raise invalid("body", "ends_at", message="ends_at cannot be before the allocation starts.")
    if allocation.ends_at is not None and ends_at > allocation.ends_at:
        raise invalid(
            "body", "ends_at", message="An end can be brought forward here, not pushed back."
        )
    allocation.ends_at = ends_at
    allocation.ended_reason = body.reason
    await session.flush()
    await publish_allocation_changed(session, case, allocation, "ended")
    return allocation


LEAVER_REASON = "practitioner deactivated in the directory"


async def end_allocations_of_leaver(session: AsyncSession, practitioner_id: UUID) -> int:
    """End every running (or future) allocation of a practitioner who left; returns how many."""
    now = await transaction_now(session)
    ended = 0
    for allocation, case in await repository.running_allocations_of(session, practitioner_id, now):
        allocation.ends_at = max(now, allocation.starts_at)
        allocation.ended_reason = LEAVER_REASON
        await session.flush()
        await publish_allocation_changed(session, case, allocation, "ended")
        ended += 1
    return ended
