"""Subject access requests, for the data protection officer alone.

Register a request (due a calendar month after receipt, extendable once by up to two months),
start an export (gathered in the background from the workbook and every other unit), review
the proposed redactions, have the bundle produced (PDF with an index, and JSON), fetch it, and
record its disclosure. Every route is audited with the purpose `subject_access`.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import Depends, Path, Query, Request, Response

from services.auditing import Audit, audited
from services.auth import DPO_ROLE, require_any_role
from services.errors import raises
from services.pagination import Page, PageQuery
from services.principal import Principal
from services.responses import created
from services.routing import kit_router
from services.subject_access.router import subject_access_purpose
from services.unit_calls import CallerCalls
from services.unit_of_work import DbSession
from workbook_api.subject_access import service
from workbook_api.subject_access.schemas import (
    BundleRead,
    ConfirmedCount,
    DisclosureCreate,
    DisclosureRead,
    ExportRead,
    ItemRead,
    RedactionAdd,
    RedactionDecide,
    RedactionRead,
    SarCreate,
    SarExtend,
    SarRead,
)

router = kit_router(tags=["subject access"], dependencies=[Depends(subject_access_purpose)])

Dpo = Annotated[Principal, Depends(require_any_role(DPO_ROLE))]
SarId = Annotated[UUID, Path(description="The subject access request")]
ExportId = Annotated[UUID, Path(description="The export")]
RedactionId = Annotated[UUID, Path(description="The redaction")]
REQUESTS = "/subject-access/requests"
EXPORTS = "/subject-access/exports"
PDF_MEDIA_TYPE = "application/pdf"


def _wake(request: Request) -> None:
    runner = getattr(request.app.state, "subject_access_runner", None)
    if runner is not None:
        runner.wake()


@router.post(REQUESTS, status_code=201, summary="Register a subject access request")
@audited("create", "subject_access_request", resource="")
@raises(422)
async def register_subject_access_request(
    body: SarCreate, dpo: Dpo, session: DbSession, response: Response, note: Audit
) -> SarRead:
    """Register a request as received: the data subject (a person on the record), who asks,
    and the day it arrived. It is due one calendar month later."""
    request = await service.register(session, body, dpo)
    note.resource_id = str(request.id)
    note.details.update(person_id=str(request.person_id))
    created(response, f"{REQUESTS}/{request.id}", request.id, None)
    return service.read_request(request, await service.today(session))


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
    items, cursor = await service.list_requests(
        session, page, open_only=status == "open", overdue=overdue
    )
    note.details.update(count=len(items), overdue=overdue)
    return Page[SarRead](items=items, next_cursor=cursor)


@router.get(f"{REQUESTS}/{{sar_id}}", summary="Read a subject access request")
@audited("read", "subject_access_request")
@raises(404)
async def read_subject_access_request(sar_id: SarId, dpo: Dpo, session: DbSession) -> SarRead:
    """A request, its deadline (and any extension) and its status."""
    return await service.read_request_by_id(session, sar_id)


@router.post(f"{REQUESTS}/{{sar_id}}/extension", summary="Extend a subject access deadline")
@audited("extend", "subject_access_request")
@raises(404, 409)
async def extend_subject_access_request(
    sar_id: SarId, body: SarExtend, dpo: Dpo, session: DbSession, note: Audit
) -> SarRead:
    """Extend the deadline once, by one or two further months, recording why (complex or
    numerous requests, UK GDPR Art 12(3))."""
    request = await service.extend(session, sar_id, body)
    note.details.update(months=body.months)
    return service.read_request(request, await service.today(session))


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
    export = await service.start_export(session, sar_id, calls, dpo)
    note.details.update(export_id=str(export.id))
    response.headers["Location"] = f"{EXPORTS}/{export.id}"
    _wake(request)
    return ExportRead.of(export)


@router.get(f"{EXPORTS}/{{export_id}}", summary="Read a subject access export's progress")
@audited("read", "subject_access_export")
@raises(404)
async def read_subject_access_export(
    export_id: ExportId, dpo: Dpo, session: DbSession
) -> ExportRead:
    """The export's status and progress (cases gathered of all, records found)."""
    return await service.read_export(session, export_id)


@router.get(f"{EXPORTS}/{{export_id}}/items", summary="List what a subject access export found")
@audited("read", "subject_access_item", resource="export_id")
@raises(404)
async def list_subject_access_items(
    export_id: ExportId, dpo: Dpo, session: DbSession, page: PageQuery, note: Audit
) -> Page[ItemRead]:
    """Every record found, in bundle order, as gathered (before redaction)."""
    items, cursor = await service.list_items(session, export_id, page)
    note.details.update(count=len(items))
    return Page[ItemRead](items=items, next_cursor=cursor)


@router.get(f"{EXPORTS}/{{export_id}}/redactions", summary="List the redactions of an export")
@audited("read", "subject_access_redaction", resource="export_id")
@raises(404)
async def list_subject_access_redactions(
    export_id: ExportId,
    dpo: Dpo,
    session: DbSession,
    page: PageQuery,
    note: Audit,
    decision: Annotated[
        Literal["proposed", "confirmed", "removed"] | None,
        Query(description="Only redactions with this decision"),
    ] = None,
) -> Page[RedactionRead]:
    """Redactions in bundle order, each with the text it covers and why."""
    items, cursor = await service.list_redactions(session, export_id, page, decision)
    note.details.update(count=len(items))
    return Page[RedactionRead](items=items, next_cursor=cursor)


@router.post(
    f"{EXPORTS}/{{export_id}}/redactions", status_code=201, summary="Add a redaction to an export"
)
@audited("add", "subject_access_redaction", resource="export_id")
@raises(404, 409, 422)
async def add_subject_access_redaction(
    export_id: ExportId,
    body: RedactionAdd,
    dpo: Dpo,
    session: DbSession,
    response: Response,
    note: Audit,
) -> RedactionRead:
    """Mark a span of a record for redaction that matching could not know (confirmed as
    made)."""
    redaction = await service.add_redaction(session, export_id, body, dpo)
    note.details.update(redaction_id=str(redaction.id))
    created(response, f"{EXPORTS}/{export_id}/redactions", redaction.id, None)
    return redaction


@router.post(
    f"{EXPORTS}/{{export_id}}/redactions/confirm-remaining",
    summary="Confirm every undecided redaction as proposed",
)
@audited("confirm", "subject_access_redaction", resource="export_id")
@raises(404, 409)
async def confirm_remaining_subject_access_redactions(
    export_id: ExportId, dpo: Dpo, session: DbSession, note: Audit
) -> ConfirmedCount:
    """After reviewing the list, confirm what is still proposed in one step."""
    confirmed = await service.confirm_remaining(session, export_id, dpo)
    note.details.update(count=confirmed)
    return ConfirmedCount(confirmed=confirmed)


@router.post(
    f"{EXPORTS}/{{export_id}}/redactions/{{redaction_id}}/decision",
    summary="Confirm or remove a redaction",
)
@audited("decide", "subject_access_redaction")
@raises(404, 409)
async def decide_subject_access_redaction(
    export_id: ExportId,
    redaction_id: RedactionId,
    body: RedactionDecide,
    dpo: Dpo,
    session: DbSession,
    note: Audit,
) -> RedactionRead:
    """Confirm a proposed redaction, or remove it (the text is then disclosed)."""
    redaction = await service.decide(session, export_id, redaction_id, body, dpo)
    note.details.update(decision=body.decision)
    return redaction


@router.post(
    f"{EXPORTS}/{{export_id}}/bundle", status_code=202, summary="Produce the disclosure bundle"
)
@audited("bundle", "subject_access_export")
@raises(404, 409)
async def produce_subject_access_bundle(
    export_id: ExportId, dpo: Dpo, request: Request, session: DbSession, response: Response
) -> ExportRead:
    """Once every redaction is decided, lay out the bundle (PDF and JSON) in the background."""
    export = await service.request_bundle(session, export_id, dpo)
    response.headers["Location"] = f"{EXPORTS}/{export_id}/bundle"
    _wake(request)
    return ExportRead.of(export)


@router.get(f"{EXPORTS}/{{export_id}}/bundle", summary="Read a disclosure bundle's description")
@audited("read", "subject_access_bundle")
@raises(404)
async def read_subject_access_bundle(
    export_id: ExportId, dpo: Dpo, session: DbSession
) -> BundleRead:
    """What the bundle holds and its hashes (404 until produced)."""
    return await service.read_bundle(session, export_id)


class PdfResponse(Response):
    """A PDF document."""

    media_type = PDF_MEDIA_TYPE


@router.get(
    f"{EXPORTS}/{{export_id}}/bundle.pdf",
    response_class=PdfResponse,
    responses={
        200: {
            "content": {PDF_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The bundle as a PDF with an index",
        }
    },
    summary="Download a disclosure bundle as PDF",
)
@audited("export", "subject_access_bundle")
@raises(404)
async def download_subject_access_bundle_pdf(
    export_id: ExportId, dpo: Dpo, session: DbSession, note: Audit
) -> PdfResponse:
    """The bundle's PDF, byte for byte as produced (its SHA-256 is on the bundle)."""
    content = await service.bundle_content(session, export_id, "pdf")
    note.details.update(bytes=len(content))
    filename = f"subject-access-{export_id}.pdf"
    return PdfResponse(
        content, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


class BundleJsonResponse(Response):
    """The bundle's JSON document, as produced."""

    media_type = "application/json"


@router.get(
    f"{EXPORTS}/{{export_id}}/bundle.json",
    response_class=BundleJsonResponse,
    responses={
        200: {
            "content": {"application/json": {"schema": {"type": "object"}}},
            "description": "The bundle's records as JSON, redactions applied",
        }
    },
    summary="Download a disclosure bundle as JSON",
)
@audited("export", "subject_access_bundle")
@raises(404)
async def download_subject_access_bundle_json(
    export_id: ExportId, dpo: Dpo, session: DbSession, note: Audit
) -> BundleJsonResponse:
    """The bundle's JSON, byte for byte as produced (its SHA-256 is on the bundle)."""
    content = await service.bundle_content(session, export_id, "json")
    note.details.update(bytes=len(content))
    return BundleJsonResponse(content)


@router.post(
    f"{EXPORTS}/{{export_id}}/disclosures",
    status_code=201,
    summary="Record the disclosure of a bundle",
)
@audited("disclose", "subject_access_bundle", resource="export_id")
@raises(404, 409, 422)
async def record_subject_access_disclosure(
    export_id: ExportId,
    body: DisclosureCreate,
    dpo: Dpo,
    session: DbSession,
    response: Response,
    note: Audit,
) -> DisclosureRead:
    """The bundle was sent: to whom, how and on which day; the request is then disclosed."""
    disclosure = await service.disclose(session, export_id, body, dpo)
    note.details.update(disclosure_id=str(disclosure.id), pdf_sha256=disclosure.pdf_sha256)
    created(response, f"{REQUESTS}/{disclosure.request_id}/disclosures", disclosure.id, None)
    return disclosure


@router.get(f"{REQUESTS}/{{sar_id}}/disclosures", summary="List a request's disclosures")
@audited("read", "subject_access_disclosure")
@raises(404)
async def list_subject_access_disclosures(
    sar_id: SarId, dpo: Dpo, session: DbSession
) -> list[DisclosureRead]:
    """What was disclosed for the request: the bundle's hashes, to whom, when, by whom."""
    return await service.list_disclosures(session, sar_id)
