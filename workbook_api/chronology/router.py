"""HTTP endpoints for a case's and a family's chronology, as JSON pages or a CSV export."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request
from fastapi.responses import StreamingResponse

from services.auditing import Audit, audited
from services.pagination import Page, PageQuery
from services.routing import kit_router
from services.streamed_export import CSV_MEDIA_TYPE, ExportResponse, export_outcome
from services.unit_of_work import DbSession, Work
from workbook_api.access.dependencies import ReadableCase, Reader
from workbook_api.access.repository import family_case_accesses
from workbook_api.chronology import family as family_chronology
from workbook_api.chronology import service
from workbook_api.chronology.schemas import ChronologyItem, FamilyChronologyItem
from workbook_api.disciplines.dependencies import RecordingConfigDep
from workbook_api.families.dependencies import VisibleFamily

router = kit_router(tags=["chronology"])


async def wants_csv(
    request: Request,
    note: Audit,
    format: Annotated[Literal["json", "csv"] | None, Query(description="Default: JSON")] = None,
) -> bool:
    """CSV when asked by `?format=csv` or by an Accept header naming text/csv (an export)."""
    csv = (
        format == "csv"
        if format is not None
        else CSV_MEDIA_TYPE in request.headers.get("accept", "").lower()
    )
    if csv:
        note.action = "export"
    return csv


# Declared before the case, so that a refused export is audited as an export.
WantsCsv = Annotated[bool, Depends(wants_csv)]


@router.get(
    "/cases/{case_id}/chronology",
    response_model=Page[ChronologyItem],
    responses={200: {"content": {CSV_MEDIA_TYPE: {}}, "description": "A page, or the CSV export"}},
    summary="Read a case's chronology",
)
@audited("read", "chronology", resource="case_id")
async def get_chronology(
    request: Request,
    csv: WantsCsv,
    access: ReadableCase,
    session: DbSession,
    config: RecordingConfigDep,
    page: PageQuery,
    note: Audit,
    uow: Work,
    order: Annotated[Literal["asc", "desc"], Query(description="Event-time order")] = "asc",
    include_withdrawn: Annotated[
        bool, Query(description="Also withdrawn entries, for those who may see them")
    ] = False,
) -> Page[ChronologyItem] | StreamingResponse:
    """Read the case's chronology: significant entries and other services' events by event time."""
    if csv:
        note.details.update(format="csv", include_withdrawn=include_withdrawn)
        # The export reads on the request's connection: it never waits for another mid-stream.
        export = service.ChronologyExport(
            uow.hand_over_connection(),
            lambda after, limit: service.chronology_query(
                access, after=after, order=order, limit=limit, include_withdrawn=include_withdrawn
            ),
            lambda row: service.item_cells(service.to_item(row, config)),
            export_outcome(request),
        )
        return ExportResponse(export, f"chronology-{access.case.id}.csv")
    items, next_cursor = await service.chronology_page(
        session, access, config, page, order=order, include_withdrawn=include_withdrawn
    )
    note.details["count"] = len(items)
    return Page[ChronologyItem](items=items, next_cursor=next_cursor)


@router.get(
    "/families/{family_id}/chronology",
    response_model=Page[FamilyChronologyItem],
    responses={200: {"content": {CSV_MEDIA_TYPE: {}}, "description": "A page, or the CSV export"}},
    summary="Read a family's chronology",
)
@audited("read", "family_chronology", resource="family_id")
async def get_family_chronology(
    request: Request,
    csv: WantsCsv,
    principal: Reader,
    family: VisibleFamily,
    session: DbSession,
    config: RecordingConfigDep,
    page: PageQuery,
    note: Audit,
    uow: Work,
    order: Annotated[Literal["asc", "desc"], Query(description="Event-time order")] = "asc",
    include_withdrawn: Annotated[
        bool, Query(description="Also withdrawn entries, for those who may see them")
    ] = False,
) -> Page[FamilyChronologyItem] | StreamingResponse:
    """Read one chronology across every case of the family you may see (early help and
    Family Safeguarding, before and after a step up or down), each line naming its case; each
    case's lines follow that case's chronology rules. Cases you may not see add nothing."""
    accesses = await family_case_accesses(session, principal, family.id)
    note.details["case_ids"] = [str(access.case.id) for access in accesses]
    if csv:
        note.details.update(format="csv", include_withdrawn=include_withdrawn)
        export = service.ChronologyExport(
            uow.hand_over_connection(),
            lambda after, limit: family_chronology.family_chronology_query(
                accesses, after=after, order=order, limit=limit, include_withdrawn=include_withdrawn
            ),
            lambda row: family_chronology.family_item_cells(
                family_chronology.to_family_item(row, config)
            ),
            export_outcome(request),
            columns=family_chronology.FAMILY_CSV_COLUMNS,
        )
        return ExportResponse(export, f"family-chronology-{family.id}.csv")
    items, next_cursor = await family_chronology.family_chronology_page(
        session, accesses, config, page, order=order, include_withdrawn=include_withdrawn
    )
    note.details["count"] = len(items)
    return Page[FamilyChronologyItem](items=items, next_cursor=next_cursor)
