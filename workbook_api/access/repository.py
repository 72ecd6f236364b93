"""Load a case with the caller's standing on it, in one query, and the rules that follow from it.

A request that works within one case decides once what the caller is to it (its manager, an
allocated worker and in which discipline, or a reader only: break-glass, auditor, a worker
allocated when it closed) and every later query of the request takes that standing as given:
the case rule is never evaluated again, and the restricted-detail and withdrawn-entry rules
become plain column tests instead of correlated subqueries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.clock import remember_transaction_now
from services.errors import NotFound
from services.principal import Principal
from workbook_api.access.visibility import (
    AUDITOR_ROLE,
    SYSTEM_ROLE,
    allocation_current,
    case_visible,
)
from workbook_api.cases.models import Allocation, Case, Episode
from workbook_api.entries.models import Entry
from workbook_api.families.models import Family

_MINE_NOW = aliased(Allocation, name="mine_now")


class CaseNotFound(NotFound):
    """No such case for this caller: missing and not permitted are indistinguishable."""

    def __init__(self) -> None:
        super().__init__("case")


@dataclass(frozen=True)
class CaseAccess:
    """A case the caller may see, and what the caller is to it."""

    case: Case
    family_name: str
    open_episode: Episode | None
    principal: Principal
    # The discipline of the caller's allocation in force now, if any.
    allocation_discipline: str | None
    allocated_social_worker: bool
    now: datetime

    @property
    def manages(self) -> bool:
        """The caller manages the team that owns the case."""
        return self.case.owning_team_id in self.principal.managed_team_ids

    @property
    def is_system(self) -> bool:
        """The caller is the council's system of record."""
        return self.principal.has_role(SYSTEM_ROLE)

    @property
    def allocated(self) -> bool:
        """The caller holds an allocation on the case now."""
        return self.allocation_discipline is not None

    @property
    def may_record(self) -> bool:
        """The caller may write to the case's workbook (break-glass and audit only read)."""
        return self.manages or self.allocated

    @property
    def may_manage(self) -> bool:
        """The caller may allocate, close and reopen (its managers and the system of record)."""
        return self.manages or self.is_system

    def restricted_detail_allowed(self) -> ColumnElement[bool]:
        """Where the caller may read restricted detail (see access/visibility.py).

        Its author, same-discipline workers allocated now (the allocated social worker for
        every discipline) and the owning team's managers; never break-glass or audit alone.
        """
        if self.manages:
            return true()
        me = self.principal
        # The allocation's discipline is typed by a manager; the directory's, carried in the
        # token, is authoritative: a mis-recorded allocation never widens access.
        if self.allocation_discipline == me.discipline:
            if self.allocated_social_worker:
                return true()
            return or_(Entry.author_id == me.practitioner_id, Entry.discipline == me.discipline)
        return Entry.author_id == me.practitioner_id

    def detail_visible(self) -> ColumnElement[bool]:
        """Where the caller may read an entry's detail: standard entries, or as allowed above."""
        return or_(Entry.sensitivity == "standard", self.restricted_detail_allowed())

    def entry_visible(self, *, include_withdrawn: bool) -> ColumnElement[bool]:
        """Which of the case's entries exist for the caller: drafts are their author's only."""
        me = self.principal.practitioner_id
        states: list[ColumnElement[bool]] = [
            Entry.status == "final",
            and_(Entry.status == "draft", Entry.author_id == me),
        ]
        if include_withdrawn:
            if self.manages or self.principal.has_role(AUDITOR_ROLE):
                states.append(Entry.status == "withdrawn")
            else:
                states.append(and_(Entry.status == "withdrawn", Entry.author_id == me))
        return and_(Entry.case_id == self.case.id, or_(false(), *states))


def _access_query(principal: Principal) -> Any:
    mine = _MINE_NOW
    return (
        select(
            Case,
            Family.name,
            Episode,
            mine.discipline,
            mine.is_allocated_social_worker,
            func.now(),
        )
        .join(Family, Family.id == Case.family_id)
        .outerjoin(Episode, and_(Episode.case_id == Case.id, Episode.closed_at.is_(None)))
        .outerjoin(
            mine,
            and_(
                mine.case_id == Case.id,
                mine.practitioner_id == principal.practitioner_id,
                allocation_current(mine),
            ),
        )
    )


def _access_of(principal: Principal, row: Any) -> CaseAccess:
    case, family_name, episode, discipline, social_worker, now = row
    return CaseAccess(
        case=case,
        family_name=family_name,
        open_episode=episode,
        principal=principal,
        allocation_discipline=discipline,
        allocated_social_worker=bool(social_worker),
        now=now,
    )


async def family_case_accesses(
    session: AsyncSession, principal: Principal, family_id: UUID
) -> list[CaseAccess]:
    """Every case of the family the principal may see, each with their standing on it, oldest
    first (by `ix_safeguarding_case_family_id`)."""
    query = _access_query(principal).where(
        Case.family_id == family_id, case_visible(principal, Case.id)
    )
    # Two allocations of one practitioner overlap only briefly: the wider standing wins.
    query = query.order_by(
        Case.opened_at, Case.id, _MINE_NOW.is_allocated_social_worker.desc().nulls_last()
    )
    accesses: dict[UUID, CaseAccess] = {}
    for row in (await session.execute(query)).all():
        accesses.setdefault(row[0].id, _access_of(principal, row))
    if accesses:
        remember_transaction_now(session, next(iter(accesses.values())).now)
    return list(accesses.values())


async def load_case_access(
    session: AsyncSession, principal: Principal, case_id: UUID, *, lock: bool = False
) -> CaseAccess:
    """Load a case the principal may see with their standing on it; otherwise CaseNotFound."""
    query = _access_query(principal).where(Case.id == case_id, case_visible(principal, Case.id))
    if lock:
        # Serialises changes to one case (allocations, closing) without blocking readers.
        query = query.with_for_update(of=Case)
    row = (await session.execute(query)).one_or_none()
    if row is None:
        raise CaseNotFound()
    access = _access_of(principal, row)
    remember_transaction_now(session, access.now)
    return access
