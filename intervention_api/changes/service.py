"""The programme's feed: its rows rendered through each domain's own read path.

Each scope (a case) is loaded once per page through the case projection's rule as the caller,
and each record through the functions its own endpoints use (enrolment and session views, the
session's restricted-detail rule in SQL, the assessment's view), so a record is never rendered
on the strength of its scope alone. Parenting assessments go to those who read them in the API
(not the system of record).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.assessments import service as assessments
from intervention_api.assessments.dependencies import READING_ROLES as ASSESSMENT_READERS
from intervention_api.assessments.models import Assessment
from intervention_api.changes.schemas import (
    AssessmentFeedItem,
    EnrolmentFeedItem,
    InterventionChange,
    InterventionChangePage,
    SessionFeedItem,
)
from intervention_api.enrolments import repository as enrolment_repository
from intervention_api.enrolments.service import views as enrolments
from intervention_api.models import kernel, projection
from intervention_api.sessions import repository as session_repository
from intervention_api.sessions import service as sessions
from services.change_feed.feed import ChangeFeed, ChangeRow, Departure
from services.change_feed.projection_sight import projection_sight, visible_cases
from services.change_feed.rendering import FeedRenderer, RowKey, read_page, row_key
from services.change_feed.schemas import CaseTombstone
from services.principal import Principal
from services.working_days import local_date

CHANGES = ChangeFeed(kernel.changes, "changes")


async def _enrolments(
    session: AsyncSession, principal: Principal, rows: Sequence[ChangeRow]
) -> Mapping[RowKey, InterventionChange]:
    cases = await visible_cases(session, projection, principal, rows)
    if not cases:
        return {}
    found = await enrolment_repository.among(session, list(cases), [row.record_id for row in rows])
    today = local_date(next(iter(cases.values())).now)
    views = {view.id: view for view in await enrolments.views(session, found, today)}
    return {
        row_key(row): EnrolmentFeedItem(
            op="upsert",
            id=row.record_id,
            case_id=row.scope_id,
            changed_at=row.changed_at,
            enrolment=views[row.record_id],
        )
        for row in rows
        if row.record_id in views and views[row.record_id].case_id == row.scope_id
    }


async def _sessions(
    session: AsyncSession, principal: Principal, rows: Sequence[ChangeRow]
) -> Mapping[RowKey, InterventionChange]:
    cases = await visible_cases(session, projection, principal, rows)
    rendered: dict[RowKey, InterventionChange] = {}
    for case_id, case in cases.items():
        wanted = [row for row in rows if row.scope_id == case_id]
        found = await session_repository.among(session, case, [row.record_id for row in wanted])
        views = {view.id: view for view in await sessions.views(session, found)}
        for row in wanted:
            if row.record_id in views:
                rendered[row_key(row)] = SessionFeedItem(
                    op="upsert",
                    id=row.record_id,
                    case_id=case_id,
                    changed_at=row.changed_at,
                    session=views[row.record_id],
                )
    return rendered


async def _assessments(
    session: AsyncSession, principal: Principal, rows: Sequence[ChangeRow]
) -> Mapping[RowKey, InterventionChange]:
    if not any(principal.has_role(role) for role in ASSESSMENT_READERS):
        return {}
    cases = await visible_cases(session, projection, principal, rows)
    found = {
        assessment.id: assessment
        for assessment in await session.scalars(
            select(Assessment).where(
                Assessment.id.in_([row.record_id for row in rows]),
                Assessment.case_id.in_(cases),
            )
        )
    }
    rendered: dict[RowKey, InterventionChange] = {}
    for row in rows:
        assessment = found.get(row.record_id)
        if assessment is None or assessment.case_id != row.scope_id:
            continue
        rendered[row_key(row)] = AssessmentFeedItem(
            op="upsert",
            id=row.record_id,
            case_id=row.scope_id,
            changed_at=row.changed_at,
            assessment=await assessments.view(session, assessment),
        )
    return rendered


def _tombstone(gone: Departure) -> InterventionChange:
    return CaseTombstone(op="tombstone", id=gone.scope_id)


RENDERER: FeedRenderer[InterventionChange] = FeedRenderer(
    {
        "enrolment": _enrolments,
        "programme_session": _sessions,
        "parenting_assessment": _assessments,
    },
    _tombstone,
)


async def read_changes_page(
    session: AsyncSession, principal: Principal, *, cursor: str | None, limit: int
) -> InterventionChangePage:
    """The page after `cursor` of the programme's feed, as the caller may see it."""
    sight = await projection_sight(session, projection, principal)
    items, page = await read_page(
        session, principal, CHANGES, sight, RENDERER.render, cursor=cursor, limit=limit
    )
    return InterventionChangePage(
        items=items, next_cursor=page.next_cursor, more=page.more, reset=page.reset
    )
