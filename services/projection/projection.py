"""`CaseProjection`: what a workflow service declares to keep, and guard, the case projection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, MetaData
from sqlalchemy.ext.asyncio import AsyncSession

from services.event_contracts import (
    DIRECTORY_PRACTITIONER_CHANGED,
    DIRECTORY_TEAM_CHANGED,
    WORKBOOK_ALLOCATION_EVENTS,
    WORKBOOK_CASE_EVENTS,
    AllocationSnapshot,
    CaseSnapshot,
    PractitionerSnapshot,
    TeamSnapshot,
)
from services.events import CloudEvent
from services.inbox import Inbox
from services.principal import Principal
from services.projection import apply
from services.projection.access import CaseAccessRule, IdQuery
from services.projection.dependencies import managed_case_dependency, visible_case_dependency
from services.projection.tables import ProjectionTables, define_projection_tables


class CaseProjection:
    """The projection of cases, allocations, practitioners and teams in one service's schema.

    Declared once beside the service's kernel tables (`projection = CaseProjection(
    Base.metadata)`), registered on its inbox (`projection.register(inbox)`), and read through
    `visible_case_ids`, `case_visible` and the `visible_case` / `managed_case` dependencies.
    """

    def __init__(self, metadata: MetaData) -> None:
        self.tables: ProjectionTables = define_projection_tables(metadata)
        self.rule = CaseAccessRule(self.tables)
        self.visible_case = visible_case_dependency(self.rule)
        self.managed_case = managed_case_dependency(self.rule)

    def register(self, inbox: Inbox) -> Inbox:
        """Apply the workbook's case and allocation snapshots and the directory's on `inbox`."""
        inbox.handles(WORKBOOK_CASE_EVENTS)(self.apply_case_event)
        inbox.handles(WORKBOOK_ALLOCATION_EVENTS)(self.apply_allocation_event)
        inbox.handles(DIRECTORY_PRACTITIONER_CHANGED)(self.apply_practitioner_event)
        inbox.handles(DIRECTORY_TEAM_CHANGED)(self.apply_team_event)
        return inbox

    def visible_case_ids(self, principal: Principal, *, at: datetime | None = None) -> IdQuery:
        """A query of the ids of every projected case `principal` may see."""
        return self.rule.visible_case_ids(principal, at=at)

    def case_visible(
        self, principal: Principal, case_id_col: ColumnElement[Any]
    ) -> ColumnElement[bool]:
        """A predicate for a service's own queries: `case_id_col` is a case the caller may see."""
        return self.rule.case_visible(principal, case_id_col)

    async def apply_case_event(self, session: AsyncSession, event: CloudEvent) -> None:
        """Keep the newest snapshot of the event's case."""
        await apply.apply_case(session, self.tables, apply.read_snapshot(CaseSnapshot, event))

    async def apply_allocation_event(self, session: AsyncSession, event: CloudEvent) -> None:
        """Keep the newest snapshot of the event's allocation."""
        snapshot = apply.read_snapshot(AllocationSnapshot, event)
        await apply.apply_allocation(session, self.tables, snapshot)

    async def apply_practitioner_event(self, session: AsyncSession, event: CloudEvent) -> None:
        """Keep the newest snapshot of the event's practitioner."""
        snapshot = apply.read_snapshot(PractitionerSnapshot, event)
        await apply.apply_practitioner(session, self.tables, snapshot)

    async def apply_team_event(self, session: AsyncSession, event: CloudEvent) -> None:
        """Keep the newest snapshot of the event's team."""
        await apply.apply_team(session, self.tables, apply.read_snapshot(TeamSnapshot, event))
