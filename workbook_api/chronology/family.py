"""A family's chronology: every case of the family the caller may see, on one timeline.

A family moves between early help and Family Safeguarding (a step up, a step down), and each
involvement is a case of its own; practitioners and managers need the whole story in one
place. Each case the caller may see contributes its case chronology's two branches, built by
the case chronology's own functions with the caller's standing on that case (restricted
detail, drafts, withdrawn entries: the same rules in SQL as the case's own chronology), each
read through its (case_id, time, id) index with the keyset bound and the page limit pushed in;
the merge orders by (occurred_at, id) and cuts the page. A case the caller may not see adds
nothing, and is not named.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import CompoundSelect, String, Uuid, literal, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from services.pagination import PageRequest
from workbook_api.access.repository import CaseAccess
from workbook_api.chronology.schemas import FamilyChronologyItem
from workbook_api.chronology.service import (
    CHRONOLOGY_KEY,
    CSV_COLUMNS,
    ID,
    OCCURRED_AT,
    Order,
    entry_branch,
    event_branch,
    item_cells,
    to_item,
)
from workbook_api.disciplines.config import RecordingConfig

FAMILY_CSV_COLUMNS = ("case_id", "case_kind", *CSV_COLUMNS)


def family_chronology_query(
    accesses: list[CaseAccess],
    *,
    after: tuple[datetime, UUID] | None,
    order: Order,
    limit: int,
    include_withdrawn: bool = False,
) -> CompoundSelect[Any] | None:
    """Up to `limit` rows of the cases' chronologies after the keyset position, merged (None
    when the caller sees none of the family's cases)."""
    if not accesses:
        return None
    branches = []
    for access in accesses:
        case = literal(access.case.id, Uuid).label("case_id")
        kind = literal(access.case.kind, String).label("case_kind")
        branches.append(
            entry_branch(access, after, order, limit, include_withdrawn).add_columns(case, kind)
        )
        branches.append(event_branch(access.case.id, after, order, limit).add_columns(case, kind))
    merged = union_all(*branches)
    if order == "asc":
        return merged.order_by(OCCURRED_AT, ID).limit(limit)
    return merged.order_by(OCCURRED_AT.desc(), ID.desc()).limit(limit)


def to_family_item(row: Any, config: RecordingConfig) -> FamilyChronologyItem:
    """A row of the family's chronology for the response, naming its case."""
    item = to_item(row, config)
    return FamilyChronologyItem(**item.model_dump(), case_id=row.case_id, case_kind=row.case_kind)


def family_item_cells(item: FamilyChronologyItem) -> list[object]:
    """The export's cells for one item, in FAMILY_CSV_COLUMNS order."""
    return [item.case_id, item.case_kind, *item_cells(item)]


async def family_chronology_page(
    session: AsyncSession,
    accesses: list[CaseAccess],
    config: RecordingConfig,
    page: PageRequest,
    *,
    order: Order,
    include_withdrawn: bool,
) -> tuple[list[FamilyChronologyItem], str | None]:
    """A keyset page of the family's chronology in event-time order."""
    after = CHRONOLOGY_KEY.after(page)
    query = family_chronology_query(
        accesses,
        after=(after[0], after[1]) if after is not None else None,
        order=order,
        limit=page.limit + 1,
        include_withdrawn=include_withdrawn,
    )
    if query is None:
        return [], None
    items = [to_family_item(row, config) for row in (await session.execute(query)).all()]
    return CHRONOLOGY_KEY.page(items, page, lambda item: (item.occurred_at, item.id))
