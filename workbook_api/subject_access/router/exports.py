"""A subject access export: its progress, what it found, the review of its redactions, the
bundle and its disclosure."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Response

from services.auditing import Audit, audited
from services.errors import raises
from services.pagination import Page, PageQuery
from services.responses import created
from services.routing import kit_router
from services.subject_access.router import subject_access_purpose
from services.unit_of_work import DbSession
from workbook_api.subject_access.router import (
    EXPORTS,
    REQUESTS,
    Dpo,
    ExportId,
    RedactionId,
    wake_runner,
)
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
)
from workbook_api.subject_access.service import disclosure, exports, review

PDF_MEDIA_TYPE = "application/pdf"

router = kit_router(tags=["subject access"], dependencies=[Depends(subject_access_purpose)])


@router.get(f"{EXPORTS}/{{export_id}}", summary="Read a subject access export's progress")
@audited("read", "subject_access_export")
@raises(404)
async def read_subject_access_export(
    export_id: ExportId, dpo: Dpo, session: DbSession
) -> ExportRead:
    """The export's status and progress (cases gathered of all, records found)."""
    return await exports.read_export(session, export_id)


@router.get(f"{EXPORTS}/{{export_id}}/items", summary="List what a subject access export found")
@audited("read", "subject_access_item", resource="export_id")
@raises(404)
async def list_subject_access_items(
    export_id: ExportId, dpo: Dpo, session: DbSession, page: PageQuery, note: Audit
) -> Page[ItemRead]:
    """Every record found, in bundle order, as gathered (before redaction)."""
    items, cursor = await exports.list_items(session, export_id, page)
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
    items, cursor = await review.list_redactions(session, export_id, page, decision)
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
    redaction = await review.add_redaction(session, export_id, body, dpo)
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
    confirmed = await review.confirm_remaining(session, export_id, dpo)
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
    redaction = await review.decide(session, export_id, redaction_id, body, dpo)
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
    export = await review.request_bundle(session, export_id, dpo)
    response.headers["Location"] = f"{EXPORTS}/{export_id}/bundle"
    wake_runner(request)
    return ExportRead.of(export)


@router.get(f"{EXPORTS}/{{export_id}}/bundle", summary="Read a disclosure bundle's description")
@audited("read", "subject_access_bundle")
@raises(404)
async def read_subject_access_bundle(
    export_id: ExportId, dpo: Dpo, session: DbSession
) -> BundleRead:
    """What the bundle holds and its hashes (404 until produced)."""
    return await disclosure.read_bundle(session, export_id)


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
    content = await disclosure.bundle_content(session, export_id, "pdf")
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
    content = await disclosure.bundle_content(session, export_id, "json")
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
    sent = await disclosure.disclose(session, export_id, body, dpo)
    note.details.update(disclosure_id=str(sent.id), pdf_sha256=sent.pdf_sha256)
    created(response, f"{REQUESTS}/{sent.request_id}/disclosures", sent.id, None)
    return sent
