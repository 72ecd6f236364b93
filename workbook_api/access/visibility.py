"""Who may see what, as SQL: every list, count, search and load filters through these.

The rules:
- a case is visible to practitioners allocated to it now, to managers of its owning team, to
  holders of an unexpired, unrevoked break-glass grant on it, and to the `system` role (the
  council's system of record, which is the source of these cases anyway), and to auditors of
  the owning team (read-only case-file audit);
- a closed case stays visible to the practitioners whose allocation was current when it closed
  (closing ends allocations at `closed_at`), so they can still read the record of their work;
  reopening hands access back to allocation;
- a family is visible to whoever can see one of its cases, to managers of the team that
  registered it, and to the practitioner who registered it until a case is opened for it;
- a family's details are changed only by those who work on it: managers of its team or of one
  of its cases' teams, practitioners allocated now to one of its cases, the practitioner who
  registered it until a case is opened, and the system of record; reading a case (break-glass,
  audit, a closed case one worked on) never lets anyone change the family record;
- restricted detail is visible to its author, same-discipline workers currently allocated to the
  case, the case's allocated social worker and managers of the owning team; never through
  break-glass alone.
To anyone else a case does not exist: a miss and a refusal are the same 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    DateTime,
    Select,
    and_,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, aliased

from services.principal import Principal
from workbook_api.access.models import BreakGlassGrant
from workbook_api.cases.models import Allocation, Case
from workbook_api.families.models import Family

SYSTEM_ROLE = "system"

# Built once: a fresh alias per call re-populated every column collection, and building these
# predicates was most of a request's CPU (bench/workbook_bench.py). Named aliases also compile
# to the same SQL each time, so the statement cache hits. Each is used in one place per query.
IdQuery = Select[UUID] | CompoundSelect[UUID]
"""A query of ids, for `column.in_(...)`."""
Standings = Select[UUID, bool, bool]
"""Rows of (case_id, all_detail, discipline_detail): see `case_standings`."""

_CLOSED_CASE = aliased(Case, name="closed_case")
_ANY_CASE = aliased(Case, name="any_case")
_MY_ALLOCATION = aliased(Allocation, name="my_allocation")
_OWNING_CASE = aliased(Case, name="owning_case")
AUDITOR_ROLE = "auditor"

# A mapped attribute (Entry.case_id) or any SQL expression of that type.
Col = ColumnElement[Any] | QueryableAttribute[Any]


def _instant(at: datetime | None) -> ColumnElement[datetime]:
    # The transaction's now() keeps every rule in one statement on the same clock.
    if at is None:
        return func.now()
    return literal(at, DateTime(timezone=True))


def allocation_current(
    allocation: type[Allocation] = Allocation, *, at: datetime | None = None
) -> ColumnElement[bool]:
    """True for allocations in force at `at` (default: now)."""
    instant = _instant(at)
    return and_(
        allocation.starts_at <= instant,
        or_(allocation.ends_at.is_(None), allocation.ends_at > instant),
    )


def current_allocations(case_id: UUID, *, at: datetime | None = None) -> Select[Allocation]:
    """The allocations of a case in force now, social worker first."""
    return (
        select(Allocation)
        .where(Allocation.case_id == case_id, allocation_current(at=at))
        .order_by(
            Allocation.is_allocated_social_worker.desc(),
            Allocation.starts_at,
            Allocation.id,
        )
    )


def visible_case_ids(principal: Principal, *, at: datetime | None = None) -> IdQuery:
    """A subquery of the ids of every case `principal` may see."""
    if principal.has_role(SYSTEM_ROLE):
        return select(Case.id)
    pid = principal.practitioner_id
    instant = _instant(at)
    closed_case = _CLOSED_CASE
    branches: list[Select[UUID]] = [
        select(Allocation.case_id.label("case_id")).where(
            Allocation.practitioner_id == pid, allocation_current(at=at)
        ),
        select(Allocation.case_id.label("case_id"))
        .join(closed_case, closed_case.id == Allocation.case_id)
        .where(
            Allocation.practitioner_id == pid,
            closed_case.status == "closed",
            Allocation.starts_at < closed_case.closed_at,
            Allocation.ends_at == closed_case.closed_at,
        ),
        select(BreakGlassGrant.case_id.label("case_id")).where(
            BreakGlassGrant.practitioner_id == pid,
            BreakGlassGrant.granted_at <= instant,
            BreakGlassGrant.expires_at > instant,
            BreakGlassGrant.revoked_at.is_(None),
        ),
    ]
    if principal.managed_team_ids:
        branches.append(
            select(Case.id.label("case_id")).where(
                Case.owning_team_id.in_(principal.managed_team_ids)
            )
        )
    if principal.has_role(AUDITOR_ROLE) and principal.team_ids:
        # Case-file audit is a standing duty over the auditor's own teams' cases, not an
        # allocation; what auditors may do there is read (writers need practitioner roles).
        branches.append(
            select(Case.id.label("case_id")).where(Case.owning_team_id.in_(principal.team_ids))
        )
    # The compound select goes straight into IN (...): wrapping it in a subquery made SQLAlchemy
    # build a column collection on every call, for the same SQL.
    return union_all(*branches)


def case_visible(principal: Principal, case_id_col: Col) -> ColumnElement[bool]:
    """A predicate: `case_id_col` names a case the principal may see."""
    return case_id_col.in_(visible_case_ids(principal))


def visible_family_ids(principal: Principal) -> IdQuery:
    """A subquery of the ids of every family `principal` may see."""
    if principal.has_role(SYSTEM_ROLE):
        return select(Family.id)
    any_case = _ANY_CASE
    branches: list[Select[UUID]] = [
        select(Case.family_id.label("family_id")).where(Case.id.in_(visible_case_ids(principal))),
        select(Family.id.label("family_id")).where(
            Family.created_by_practitioner_id == principal.practitioner_id,
            ~exists().where(any_case.family_id == Family.id),
        ),
    ]
    if principal.managed_team_ids:
        branches.append(
            select(Family.id.label("family_id")).where(
                Family.owning_team_id.in_(principal.managed_team_ids)
            )
        )
    return union_all(*branches)


def writable_family_ids(principal: Principal) -> IdQuery:
    """A subquery of the ids of every family whose record `principal` may change."""
    if principal.has_role(SYSTEM_ROLE):
        return select(Family.id)
    any_case = _ANY_CASE
    branches: list[Select[UUID]] = [
        select(Case.family_id.label("family_id"))
        .join(Allocation, Allocation.case_id == Case.id)
        .where(Allocation.practitioner_id == principal.practitioner_id, allocation_current()),
        select(Family.id.label("family_id")).where(
            Family.created_by_practitioner_id == principal.practitioner_id,
            ~exists().where(any_case.family_id == Family.id),
        ),
    ]
    if principal.managed_team_ids:
        branches.append(
            select(Family.id.label("family_id")).where(
                Family.owning_team_id.in_(principal.managed_team_ids)
            )
        )
        branches.append(
            select(Case.family_id.label("family_id")).where(
                Case.owning_team_id.in_(principal.managed_team_ids)
            )
        )
    return union_all(*branches)


def restricted_detail_visible(
    principal: Principal,
    *,
    case_id_col: Col,
    author_id_col: Col,
    discipline_col: Col,
) -> ColumnElement[bool]:
    """A predicate: the principal may read the restricted detail of this row.

    Use it inside a query already limited to visible cases; it does not check case visibility.
    """
    mine = _MY_ALLOCATION
    owning = _OWNING_CASE
    conditions: list[ColumnElement[bool]] = [
        author_id_col == principal.practitioner_id,
        exists().where(
            mine.case_id == case_id_col,
            mine.practitioner_id == principal.practitioner_id,
            allocation_current(mine),
            # The allocation's discipline is typed by a manager; the directory's, carried in
            # the token, is authoritative: a mis-recorded allocation never widens access.
            mine.discipline == principal.discipline,
            or_(discipline_col == principal.discipline, mine.is_allocated_social_worker),
        ),
    ]
    if principal.managed_team_ids:
        conditions.append(
            exists().where(
                owning.id == case_id_col,
                owning.owning_team_id.in_(principal.managed_team_ids),
            )
        )
    return or_(false(), *conditions)


def whole_team_ids(principal: Principal) -> frozenset[UUID]:
    """The teams all of whose cases the principal sees: those they manage, and audit."""
    teams = set(principal.managed_team_ids)
    if principal.has_role(AUDITOR_ROLE):
        teams |= principal.team_ids
    return frozenset(teams)


def case_standings(principal: Principal) -> Standings:
    """The cases the principal sees one by one, one row each, with their restricted-detail rights.

    The set form of `visible_case_ids` and `restricted_detail_visible` for queries across cases
    (search), less the cases of `whole_team_ids` (which such queries take by team) and the
    system role's (every case). Columns: `case_id`; `all_detail`, true where every restricted
    entry's detail is readable (the allocated social worker whose directory discipline the
    allocation bears out); `discipline_detail`, true where restricted detail of the caller's
    own discipline is (a same-discipline allocation in force now). Authors read their own
    restricted entries everywhere; that test needs the entry row, so it is the caller's.
    Break-glass and a closed case one worked on give sight, never detail.
    """
    pid = principal.practitioner_id
    instant = _instant(None)
    closed_case = _CLOSED_CASE
    # The allocation's discipline is typed by a manager; the directory's, carried in the
    # token, is authoritative: a mis-recorded allocation never widens access.
    same_discipline = Allocation.discipline == principal.discipline
    branches: list[Standings] = [
        select(
            Allocation.case_id.label("case_id"),
            and_(same_discipline, Allocation.is_allocated_social_worker).label("all_detail"),
            same_discipline.label("discipline_detail"),
        ).where(Allocation.practitioner_id == pid, allocation_current()),
        select(Allocation.case_id, false(), false())
        .join(closed_case, closed_case.id == Allocation.case_id)
        .where(
            Allocation.practitioner_id == pid,
            closed_case.status == "closed",
            Allocation.starts_at < closed_case.closed_at,
            Allocation.ends_at == closed_case.closed_at,
        ),
        select(BreakGlassGrant.case_id, false(), false()).where(
            BreakGlassGrant.practitioner_id == pid,
            BreakGlassGrant.granted_at <= instant,
            BreakGlassGrant.expires_at > instant,
            BreakGlassGrant.revoked_at.is_(None),
        ),
    ]
    every = union_all(*branches).subquery("standing_branch")
    standings = select(
        every.c.case_id,
        func.bool_or(every.c.all_detail).label("all_detail"),
        func.bool_or(every.c.discipline_detail).label("discipline_detail"),
    ).group_by(every.c.case_id)
    teams = whole_team_ids(principal)
    if teams:
        owning = _OWNING_CASE
        standings = standings.where(
            ~exists().where(owning.id == every.c.case_id, owning.owning_team_id.in_(teams))
        )
    return standings
