"""The pathway's feed: its rows rendered through each domain's own read path and rules.

A case's scope is loaded once per kind and page through the case projection's rule as the
caller; each kind then answers as its own endpoint does: levels and transfers to whoever sees
the case, early help's involvement on early help cases only, and the assessment, plan, reviews
and safety mappings only where the family's consent lets the caller read them
(`pathway_api.access.plan_shared`). A partner's standing carries that consent, so when it is
given or withdrawn the case is tombstoned and sent again as they may now see it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.access import plan_shared
from pathway_api.changes.schemas import (
    AssessmentFeedItem,
    InvolvementFeedItem,
    LevelDecisionFeedItem,
    PathwayChange,
    PathwayChangePage,
    ReviewFeedItem,
    SafetyMappingFeedItem,
    TargetFeedItem,
    TransferFeedItem,
)
from pathway_api.levels.models import LevelDecision
from pathway_api.levels.schemas import LevelDecisionRead
from pathway_api.lifecycle import repository as lifecycle_repository
from pathway_api.lifecycle.service import consent, involvement, taf
from pathway_api.models import kernel, projection
from pathway_api.plans import service as plans
from pathway_api.plans.models import Assessment, Review, SafetyMapping, Target
from pathway_api.plans.schemas import ReviewRead, SafetyMappingRead, TargetRead
from pathway_api.transfers.models import Transfer
from pathway_api.transfers.schemas import TransferRead
from services.change_feed.feed import ChangeFeed, ChangeRow, Departure, Sight
from services.change_feed.projection_sight import case_standings, sight_of, visible_cases
from services.change_feed.rendering import FeedRenderer, KindRenderer, RowKey, read_page, row_key
from services.change_feed.schemas import CaseTombstone
from services.event_contracts import EARLY_HELP
from services.principal import Principal
from services.projection import ProjectedCase

CHANGES = ChangeFeed(kernel.changes, "changes")
INFORMATION_SHARING = "information_sharing"

# Which of a case's records a caller may read, as the pathway's dependencies decide it.
Admits = Callable[[AsyncSession, ProjectedCase], Awaitable[bool]]


async def any_case(session: AsyncSession, case: ProjectedCase) -> bool:
    """Levels of need and transfers: whoever sees the case (VisibleCase)."""
    return True


async def early_help(session: AsyncSession, case: ProjectedCase) -> bool:
    """Involvement, consents, the TAF: early help cases (EarlyHelpCase)."""
    return case.kind == EARLY_HELP


async def shared_early_help(session: AsyncSession, case: ProjectedCase) -> bool:
    """Assessment, plan, reviews, safety mappings: as SharedEarlyHelpCase admits."""
    return case.kind == EARLY_HELP and await plan_shared(session, case)


async def _admitted(
    session: AsyncSession, principal: Principal, rows: Sequence[ChangeRow], admits: Admits
) -> dict[UUID, ProjectedCase]:
    cases = await visible_cases(session, projection, principal, rows)
    return {case_id: case for case_id, case in cases.items() if await admits(session, case)}


async def _involvements(
    session: AsyncSession, principal: Principal, rows: Sequence[ChangeRow]
) -> Mapping[RowKey, PathwayChange]:
    cases = await _admitted(session, principal, rows, early_help)
    rendered: dict[RowKey, PathwayChange] = {}
    for row in rows:
        case = cases.get(row.scope_id)
        if case is None or row.record_id != case.id:
            continue
        consents = await lifecycle_repository.consents(session, case.id)
        rendered[row_key(row)] = InvolvementFeedItem(
            op="upsert",
            id=case.id,
            case_id=case.id,
            changed_at=row.changed_at,
            involvement=await involvement.read(session, case),
            consents=[consent.consent_read(c) for c in consents],
            team=await taf.team(session, case.id),
        )
    return rendered


def _records(
    model: Any,
    admits: Admits,
    build: Callable[[ChangeRow, Any], Awaitable[PathwayChange]],
) -> KindRenderer[PathwayChange]:
    """A renderer of one table's records by id, on the cases whose records the caller reads."""

    async def render(
        session: AsyncSession, principal: Principal, rows: Sequence[ChangeRow]
    ) -> Mapping[RowKey, PathwayChange]:
        cases = await _admitted(session, principal, rows, admits)
        if not cases:
            return {}
        found = {
            record.id: record
            for record in await session.scalars(
                select(model).where(
                    model.id.in_([row.record_id for row in rows]), model.case_id.in_(cases)
                )
            )
        }
        return {
            row_key(row): await build(row, found[row.record_id])
            for row in rows
            if row.record_id in found and found[row.record_id].case_id == row.scope_id
        }

    return render


def _upsert(row: ChangeRow) -> dict[str, Any]:
    return {
        "op": "upsert",
        "id": row.record_id,
        "case_id": row.scope_id,
        "changed_at": row.changed_at,
    }


async def _level(row: ChangeRow, record: LevelDecision) -> PathwayChange:
    return LevelDecisionFeedItem(**_upsert(row), level_decision=LevelDecisionRead.of(record))


async def _target(row: ChangeRow, record: Target) -> PathwayChange:
    return TargetFeedItem(**_upsert(row), target=TargetRead.of(record))


async def _review(row: ChangeRow, record: Review) -> PathwayChange:
    return ReviewFeedItem(**_upsert(row), review=ReviewRead.of(record))


async def _mapping(row: ChangeRow, record: SafetyMapping) -> PathwayChange:
    return SafetyMappingFeedItem(**_upsert(row), safety_mapping=SafetyMappingRead.of(record))


async def _transfer(row: ChangeRow, record: Transfer) -> PathwayChange:
    return TransferFeedItem(**_upsert(row), transfer=TransferRead.of(record))


def _assessments() -> KindRenderer[PathwayChange]:
    async def render(
        session: AsyncSession, principal: Principal, rows: Sequence[ChangeRow]
    ) -> Mapping[RowKey, PathwayChange]:
        async def build(row: ChangeRow, record: Assessment) -> PathwayChange:
            view = await plans.assessment_read(session, record)
            return AssessmentFeedItem(**_upsert(row), assessment=view)

        return await _records(Assessment, shared_early_help, build)(session, principal, rows)

    return render


def _tombstone(gone: Departure) -> PathwayChange:
    return CaseTombstone(op="tombstone", id=gone.scope_id)


RENDERER: FeedRenderer[PathwayChange] = FeedRenderer(
    {
        "involvement": _involvements,
        "level_decision": _records(LevelDecision, any_case, _level),
        "assessment": _assessments(),
        "plan_target": _records(Target, shared_early_help, _target),
        "plan_review": _records(Review, shared_early_help, _review),
        "safety_mapping": _records(SafetyMapping, shared_early_help, _mapping),
        "transfer": _records(Transfer, any_case, _transfer),
    },
    _tombstone,
)


async def pathway_sight(session: AsyncSession, principal: Principal) -> Sight:
    """The cases the caller may see with their standing, and, where they are a partner, whether
    the family's consent to share information is in force (it decides what they read)."""
    standings = await case_standings(session, projection, principal)
    if standings is None:
        return sight_of(principal, None)
    partner_cases = [case_id for case_id, standing in standings.items() if standing.partner]
    sharing = await lifecycle_repository.cases_with_scope(
        session, partner_cases, INFORMATION_SHARING
    )
    extra = {case_id: f"shared{case_id in sharing:d}" for case_id in partner_cases}
    return sight_of(principal, standings, extra)


async def read_changes_page(
    session: AsyncSession, principal: Principal, *, cursor: str | None, limit: int
) -> PathwayChangePage:
    """The page after `cursor` of the pathway's feed, as the caller may see it."""
    sight = await pathway_sight(session, principal)
    items, page = await read_page(
        session, principal, CHANGES, sight, RENDERER.render, cursor=cursor, limit=limit
    )
    return PathwayChangePage(
        items=items, next_cursor=page.next_cursor, more=page.more, reset=page.reset
    )
