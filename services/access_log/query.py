"""The access log as SQL: who may read which rows, the filters, newest first by keyset.

Rows are ordered by (occurred_at, position) descending: the time the request's transaction
started, then the insertion order. The cursor is that pair, so the gateway can cut every
unit's answer at one instant when it merges them (gateway/access_log/merge.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, Select, Table, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from services.access_log.filters import LogFilter
from services.access_log.ownership import CaseOwnership
from services.auth import AUDITOR_ROLE, DPO_ROLE
from services.pagination import Keyset, PageRequest, aware_datetime
from services.principal import Principal

REFUSED = ("denied", "not_found")
# The action the workbook's break-glass grant is audited as.
BREAK_GLASS_ACTION = "break_glass"


def log_keyset(audit_log: Table) -> Keyset:
    """Newest first: (occurred_at, position)."""
    return Keyset((audit_log.c.occurred_at, aware_datetime), (audit_log.c.position, int))


def readable_rows(
    audit_log: Table, principal: Principal, ownership: CaseOwnership | None
) -> ColumnElement[bool]:
    """The rows of the whole log `principal` may read (the module docstring of the package)."""
    if principal.has_role(DPO_ROLE):
        return true()
    if principal.has_role(AUDITOR_ROLE) and principal.team_ids and ownership is not None:
        return audit_log.c.case_id.in_(ownership.cases_of_teams(principal.team_ids))
    return false()


def own_rows(audit_log: Table, principal: Principal) -> ColumnElement[bool]:
    """The rows that name `principal` as the actor."""
    return audit_log.c.actor_practitioner_id == principal.practitioner_id


def _about(audit_log: Table, key: str, value: UUID) -> ColumnElement[bool]:
    # A record's own id is its row's resource_id; handlers note related ids in details.
    c = audit_log.c
    return or_(c.resource_id == str(value), c.details.contains({key: str(value)}))


def filtered(
    audit_log: Table, wanted: LogFilter, ownership: CaseOwnership | None
) -> list[ColumnElement[bool]]:
    """The filters as conditions."""
    c = audit_log.c
    conditions: list[ColumnElement[bool]] = []
    if wanted.person_id is not None:
        conditions.append(_about(audit_log, "person_id", wanted.person_id))
    if wanted.family_id is not None:
        about_family = _about(audit_log, "family_id", wanted.family_id)
        if ownership is not None:
            about_family = or_(
                about_family, c.case_id.in_(ownership.cases_of_family(wanted.family_id))
            )
            people = ownership.people_of_family(wanted.family_id)
            if people is not None:
                about_family = or_(about_family, c.resource_id.in_(people))
        conditions.append(about_family)
    if wanted.case_id is not None:
        conditions.append(c.case_id == wanted.case_id)
    if wanted.practitioner_id is not None:
        conditions.append(c.actor_practitioner_id == wanted.practitioner_id)
    for column, value in (
        (c.action, wanted.action),
        (c.resource_type, wanted.resource_type),
        (c.outcome, wanted.outcome),
        (c.purpose, wanted.purpose),
    ):
        if value is not None:
            conditions.append(column == value)
    if wanted.since is not None:
        conditions.append(c.occurred_at >= wanted.since)
    if wanted.until is not None:
        conditions.append(c.occurred_at < wanted.until)
    if wanted.refusals:
        conditions.append(c.outcome.in_(REFUSED))
    if wanted.break_glass:
        conditions.append(c.action == BREAK_GLASS_ACTION)
    return conditions


def log_query(
    audit_log: Table, scope: ColumnElement[bool], wanted: LogFilter, ownership: CaseOwnership | None
) -> Select[Any]:
    """The rows in scope that match the filters (unordered, unbounded)."""
    return select(audit_log).where(scope, *filtered(audit_log, wanted, ownership))


async def read_page(
    session: AsyncSession,
    audit_log: Table,
    scope: ColumnElement[bool],
    wanted: LogFilter,
    ownership: CaseOwnership | None,
    page: PageRequest,
) -> tuple[Sequence[Row[Any]], str | None]:
    """One page of the rows in scope matching the filters, newest first, and the next cursor."""
    keyset = log_keyset(audit_log)
    query = keyset.apply(log_query(audit_log, scope, wanted, ownership), page)
    rows = (await session.execute(query)).all()
    return keyset.page(rows, page, row_key)


def row_key(row: Row[Any]) -> tuple[datetime, int]:
    """A row's place in the order."""
    return row.occurred_at, row.position
