"""Who may see a projected case, as SQL, and a case loaded with the caller's standing on it.

The workbook's rule (workbook_api/access/visibility.py) on the projection, minus break-glass,
which stays a workbook thing (it is granted, reasoned and overseen there). A case is visible to:
- practitioners allocated to it now;
- once it is closed, the practitioners whose allocation was current when it closed (closing
  ends allocations at `closed_at`), so they can still read the record of their work;
- managers of its owning team;
- auditors of its owning team (read-only case-file audit: what they may do is the service's
  role checks, as in the workbook);
- the `system` role (the council's system of record).
To anyone else it does not exist: a miss and a refusal are the same 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    DateTime,
    Select,
    Table,
    and_,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import NamedFromClause

from services.clock import remember_transaction_now
from services.errors import NotFound
from services.principal import Principal
from services.projection.tables import ProjectionTables

SYSTEM_ROLE = "system"
AUDITOR_ROLE = "auditor"

IdQuery = Select[UUID] | CompoundSelect[UUID]
"""A query of case ids, for `column.in_(...)`."""


class ProjectedCaseNotFound(NotFound):
    """No such case for this caller: missing and not permitted are indistinguishable."""

    def __init__(self) -> None:
        super().__init__("case")


@dataclass(frozen=True)
class ProjectedCase:
    """A case the caller may see, as this unit's projection has it, and what the caller is to it."""

    id: UUID
    family_id: UUID
    owning_team_id: UUID
    status: str
    # Family Safeguarding or early help (services/event_contracts.py CASE_KINDS).
    kind: str
    opened_at: datetime
    closed_at: datetime | None
    episode_number: int
    # The workbook's version of the case this row was built from.
    version: int
    principal: Principal
    # The discipline of the caller's allocation in force now, if any.
    allocation_discipline: str | None
    allocated_social_worker: bool
    now: datetime

    @property
    def is_open(self) -> bool:
        """The case is open (a closed case's workflow is read-only)."""
        return self.status == "open"

    @property
    def manages(self) -> bool:
        """The caller manages the team that owns the case."""
        return self.owning_team_id in self.principal.managed_team_ids

    @property
    def is_system(self) -> bool:
        """The caller is the council's system of record."""
        return self.principal.has_role(SYSTEM_ROLE)

    @property
    def allocated(self) -> bool:
        """The caller holds an allocation on the case now."""
        return self.allocation_discipline is not None

    @property
    def may_work(self) -> bool:
        """The caller works on the case: allocated now, or its manager (auditors only read)."""
        return self.manages or self.allocated

    @property
    def may_manage(self) -> bool:
        """The caller may take a manager's decisions on it: its managers, the system of record."""
        return self.manages or self.is_system


def _instant(at: datetime | None) -> ColumnElement[datetime]:
    # The transaction's now() keeps every rule in one statement on the same clock.
    if at is None:
        return func.now()
    return literal(at, DateTime(timezone=True))


def allocation_current(
    allocation: Table | NamedFromClause, *, at: datetime | None = None
) -> ColumnElement[bool]:
    """True for allocations in force at `at` (default: the transaction's now)."""
    instant = _instant(at)
    c = allocation.c
    return and_(c.starts_at <= instant, or_(c.ends_at.is_(None), c.ends_at > instant))


class CaseAccessRule:
    """The access rule over one schema's projection tables (see the module docstring)."""

    def __init__(self, tables: ProjectionTables) -> None:
        self.tables = tables
        # Named aliases built once: the same SQL each time, so the statement cache hits.
        self._closed_case = tables.cases.alias("closed_case")
        self._mine_now = tables.allocations.alias("mine_now")

    def visible_case_ids(self, principal: Principal, *, at: datetime | None = None) -> IdQuery:
        """A query of the ids of every projected case `principal` may see."""
        cases, allocations = self.tables.cases, self.tables.allocations
        if principal.has_role(SYSTEM_ROLE):
            return select(cases.c.id)
        pid = principal.practitioner_id
        closed = self._closed_case
        branches: list[Select[UUID]] = [
            select(allocations.c.case_id.label("case_id")).where(
                allocations.c.practitioner_id == pid, allocation_current(allocations, at=at)
            ),
            select(allocations.c.case_id.label("case_id"))
            .join(closed, closed.c.id == allocations.c.case_id)
            .where(
                allocations.c.practitioner_id == pid,
                closed.c.status == "closed",
                allocations.c.starts_at < closed.c.closed_at,
                allocations.c.ends_at == closed.c.closed_at,
            ),
        ]
        if principal.managed_team_ids:
            branches.append(
                select(cases.c.id.label("case_id")).where(
                    cases.c.owning_team_id.in_(principal.managed_team_ids)
                )
            )
        if principal.has_role(AUDITOR_ROLE) and principal.team_ids:
            branches.append(
                select(cases.c.id.label("case_id")).where(
                    cases.c.owning_team_id.in_(principal.team_ids)
                )
            )
        return union_all(*branches)

    def case_visible(
        self, principal: Principal, case_id_col: ColumnElement[Any]
    ) -> ColumnElement[bool]:
        """A predicate: `case_id_col` names a projected case the principal may see."""
        return case_id_col.in_(self.visible_case_ids(principal))

    async def load(
        self, session: AsyncSession, principal: Principal, case_id: UUID, *, lock: bool = False
    ) -> ProjectedCase:
        """The case with the caller's standing on it if they may see it, else ProjectedCaseNotFound.

        `lock` takes the projected row FOR UPDATE, so that one case's changes in this unit
        serialise (a delivery updating the same row waits for the request, briefly).
        """
        cases, mine = self.tables.cases, self._mine_now
        query = (
            select(
                cases,
                mine.c.discipline.label("allocation_discipline"),
                mine.c.is_allocated_social_worker.label("allocated_social_worker"),
                func.now().label("now"),
            )
            .outerjoin(
                mine,
                and_(
                    mine.c.case_id == cases.c.id,
                    mine.c.practitioner_id == principal.practitioner_id,
                    allocation_current(mine),
                ),
            )
            .where(cases.c.id == case_id, self.case_visible(principal, cases.c.id))
            # Two allocations of one practitioner overlap only while deliveries catch up:
            # the social worker's standing is the wider one.
            .order_by(mine.c.is_allocated_social_worker.desc().nulls_last())
            .limit(1)
        )
        if lock:
            query = query.with_for_update(of=cases)
        row = (await session.execute(query)).one_or_none()
        if row is None:
            raise ProjectedCaseNotFound()
        remember_transaction_now(session, row.now)
        return ProjectedCase(
            id=row.id,
            family_id=row.family_id,
            owning_team_id=row.owning_team_id,
            status=row.status,
            kind=row.kind,
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            episode_number=row.episode_number,
            version=row.version,
            principal=principal,
            allocation_discipline=row.allocation_discipline,
            allocated_social_worker=bool(row.allocated_social_worker),
            now=row.now,
        )
