"""HTTP endpoint for a case's chronology, as JSON pages or a streamed CSV export."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from services.app import route_responses
from services.db import DbSession, sessionmaker_from
from services.pagination import Page, page_params, split_page
from workbook_api.access.visibility import load_case_or_404
from workbook_api.audit_purpose import AccessPurpose, audited
from workbook_api.chronology import service
from workbook_api.chronology.schemas import ChronologyItem
from workbook_api.disciplines.dependencies import RecordingConfigDep
from workbook_api.entries.dependencies import Reader
from workbook_api.listing import aware_datetime, cursor_key, uuid_value

router = APIRouter(tags=["chronology"])

PageParams = Annotated[tuple[int, str | None], Depends(page_params)]
CSV_MEDIA_TYPE = "text/csv"


def wants_csv(request: Request, format: str | None) -> bool:
    """CSV when asked by `?format=csv` or by an Accept header naming text/csv."""
    if format is not None:
        return format == "csv"
    return CSV_MEDIA_TYPE in request.headers.get("accept", "").lower()


@router.get(
    "/cases/{case_id}/chronology",
    status_code=200,
    response_model=Page[ChronologyItem],
    responses={
        200: {"content": {CSV_MEDIA_TYPE: {}}, "description": "A page, or the CSV export"},
        **route_responses(400, 401, 403, 404, 422),
    },
)
async def get_chronology(
    case_id: UUID,
    request: Request,
    session: DbSession,
    principal: Reader,
    purpose: AccessPurpose,
    config: RecordingConfigDep,
    page: PageParams,
    order: Annotated[Literal["asc", "desc"], Query(description="Event-time order")] = "asc",
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
    include_withdrawn: Annotated[
        bool, Query(description="Also withdrawn entries, for those who may see them")
    ] = False,
) -> Page[ChronologyItem] | StreamingResponse:
    """Read the case's chronology: significant entries and other services' events by event time."""
    limit, cursor = page
    if wants_csv(request, format):
        with audited(
            request,
            action="export",
            resource_type="chronology",
            resource_id=case_id,
            case_id=case_id,
            purpose=purpose,
        ) as note:
            await load_case_or_404(session, principal, case_id)
            note.details.update(format="csv", include_withdrawn=include_withdrawn)
        body = service.stream_csv(
            sessionmaker_from(request),
            principal,
            config,
            case_id,
            order=order,
            include_withdrawn=include_withdrawn,
        )
        return StreamingResponse(
            body,
            media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="chronology-{case_id}.csv"',
                "Cache-Control": "no-store",
            },
        )
    after = cursor_key(cursor, aware_datetime, uuid_value)
    with audited(
        request,
        action="read",
        resource_type="chronology",
        resource_id=case_id,
        case_id=case_id,
        purpose=purpose,
    ) as note:
        await load_case_or_404(session, principal, case_id)
        rows = await service.chronology_page(
            session,
            principal,
            config,
            case_id,
            after=(after[0], after[1]) if after is not None else None,
            order=order,
            limit=limit,
            include_withdrawn=include_withdrawn,
        )
        items, next_cursor = split_page(rows, limit, lambda i: (i.occurred_at.isoformat(), i.id))
        note.details["count"] = len(items)
    return Page[ChronologyItem](items=items, next_cursor=next_cursor)
