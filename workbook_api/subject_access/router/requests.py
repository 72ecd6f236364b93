"""Subject access requests: registering, listing, extending, exporting, disclosures."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Response

from services.auditing import Audit, audited
from services.errors import raises
from services.pagination import Page, PageQuery
from services.responses import created
from services.routing import kit_router
from services.subject_access.router import subject_access_purpose
from services.unit_calls import CallerCalls
from services.unit_of_work import DbSession
from workbook_api.subject_access.router import (
    EXPORTS,
    REQUESTS,
    Dpo,
    SarId,
    wake_runner,
)
from workbook_api.subject_access.schemas import (
    DisclosureRead,
    ExportRead,
    SarCreate,
    SarExtend,
    SarRead,
)
from workbook_api.subject_access.service import disclosure, exports, requests, today

router = kit_router(tags=["subject access"], dependencies=[Depends(subject_access_purpose)])


@router.post(REQUESTS, status_code=201, summary="Register a subject access request")
@audited("create", "subject_access_request", resource="")
@raises(404, 422)
async def register_subject_access_request(
    body: SarCreate, dpo: Dpo, session: DbSession, response: Response, note: Audit
) -> SarRead:
    """Register a request as received: the data subject (a person on the record), who asks,
    and the day it arrived. It is due one calendar month later."""
    request = await requests.register(session, body, dpo)
    note.resource_id = str(request.id)
    note.details.update(person_id=str(request.person_id))
    created(response, f"{REQUESTS}/{request.id}", request.id, None)
    return requests.read_request(request, await today(session))


@router.get(REQUESTS, summary="List subject access requests")
@audited("list", "subject_access_request", resource="")
async def list_subject_access_requests(
    dpo: Dpo,
    session: DbSession,
    page: PageQuery,
    note: Audit,
    status: Annotated[
        Literal["open", "all"], Query(description="Open requests only (the default), or all")
    ] = "open",
    overdue: Annotated[bool, Query(description="Only open requests past their deadline")] = False,
) -> Page[SarRead]:
    """Requests newest first, each with its deadline and whether it is overdue."""
    items, cursor = await requests.list_requests(
        session, page, open_only=status == "open", overdue=overdue
    )
    note.details.update(count=len(items), overdue=overdue)
    return Page[SarRead](items=items, next_cursor=cursor)


@router.get(f"{REQUESTS}/{{sar_id}}", summary="Read a subject access request")
@audited("read", "subject_access_request")
@raises(404)
async def read_subject_access_request(sar_id: SarId, dpo: Dpo, session: DbSession) -> SarRead:
    """A request, its deadline (and any extension) and its status."""
    return await requests.read_request_by_id(session, sar_id)


@router.post(f"{REQUESTS}/{{sar_id}}/extension", summary="Extend a subject access deadline")
@audited("extend", "subject_access_request")
@raises(404, 409)
async def extend_subject_access_request(
    sar_id: SarId, body: SarExtend, dpo: Dpo, session: DbSession, note: Audit
) -> SarRead:
    """Extend the deadline once, by one or two further months, recording why (complex or
    numerous requests, UK GDPR Art 12(3))."""
    request = await requests.extend(session, sar_id, body)
    note.details.update(months=body.months)
    return requests.read_request(request, await today(session))


@router.post(
    f"{REQUESTS}/{{sar_id}}/exports", status_code=202, summary="Start a subject access export"
)
@audited("export", "subject_access_request")
@raises(404, 409, 503)
async def start_subject_access_export(
    sar_id: SarId,
    dpo: Dpo,
    calls: CallerCalls,
    request: Request,
    session: DbSession,
    response: Response,
    note: Audit,
) -> ExportRead:
    """Gather everything held about the subject: the other units' records are read now, as
    you; the workbook's are gathered in the background (follow the export's progress), and
    third-party information is proposed for redaction as it goes."""
    export = await exports.start_export(session, sar_id, calls, dpo)
    note.details.update(export_id=str(export.id))
    response.headers["Location"] = f"{EXPORTS}/{export.id}"
    wake_runner(request)
    return ExportRead.of(export)


@router.get(f"{REQUESTS}/{{sar_id}}/disclosures", summary="List a request's disclosures")
@audited("read", "subject_access_disclosure")
@raises(404)
async def list_subject_access_disclosures(
    sar_id: SarId, dpo: Dpo, session: DbSession
) -> list[DisclosureRead]:
    """What was disclosed for the request: the bundle's hashes, to whom, when, by whom."""
    return await disclosure.list_disclosures(session, sar_id)
