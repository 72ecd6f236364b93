"""The produced bundle, as it was produced, and the record of its disclosure."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import FieldError, ProblemError, ValidationProblem
from services.principal import Principal
from workbook_api.subject_access import repository
from workbook_api.subject_access.models import (
    SubjectAccessDisclosure,
)
from workbook_api.subject_access.schemas import (
    BundleRead,
    DisclosureCreate,
    DisclosureRead,
)
from workbook_api.subject_access.service import Conflict, today


async def read_bundle(session: AsyncSession, export_id: UUID) -> BundleRead:
    """The bundle of an export (404 until produced)."""
    await repository.load_export_or_404(session, export_id)
    bundle = await repository.load_bundle(session, export_id)
    if bundle is None:
        raise ProblemError(404, "not-found", "No bundle has been produced from this export.")
    return BundleRead.of(bundle)


async def bundle_content(session: AsyncSession, export_id: UUID, kind: str) -> bytes:
    """The bundle's PDF or JSON, exactly as produced."""
    await repository.load_export_or_404(session, export_id)
    bundle = await repository.load_bundle(session, export_id)
    if bundle is None:
        raise ProblemError(404, "not-found", "No bundle has been produced from this export.")
    return bundle.pdf if kind == "pdf" else bundle.json_document


async def disclose(
    session: AsyncSession, export_id: UUID, body: DisclosureCreate, dpo: Principal
) -> DisclosureRead:
    """Record that an export's bundle was sent: to whom, how, when, by whom, and which bytes."""
    export = await repository.load_export_or_404(session, export_id)
    request = await repository.load_request_or_404(session, export.request_id, lock=True)
    bundle = await repository.load_bundle(session, export_id)
    if bundle is None:
        raise Conflict("The bundle has not been produced yet.")
    if body.disclosed_on > await today(session):
        raise ValidationProblem(
            [FieldError(("body", "disclosed_on"), "Not a day in the future.", "future")]
        )
    disclosure = SubjectAccessDisclosure(
        request_id=request.id,
        bundle_id=bundle.id,
        pdf_sha256=bundle.pdf_sha256,
        json_sha256=bundle.json_sha256,
        disclosed_to=body.disclosed_to,
        method=body.method,
        disclosed_on=body.disclosed_on,
        disclosed_by_id=dpo.practitioner_id,
        disclosed_by_name=dpo.display_name,
    )
    session.add(disclosure)
    request.status = "disclosed"
    await session.flush()
    return DisclosureRead.of(disclosure)


async def list_disclosures(session: AsyncSession, request_id: UUID) -> list[DisclosureRead]:
    """A request's disclosures, oldest first."""
    await repository.load_request_or_404(session, request_id)
    rows = await repository.list_disclosures(session, request_id)
    return [DisclosureRead.of(row) for row in rows]
