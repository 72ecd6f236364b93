"""The reviewer's work on an export: the proposed redactions, decided one by one or all
at once, marks of their own, and asking for the bundle once nothing is undecided."""

from __future__ import annotations

import uuid
from uuid import UUID

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import FieldError, NotFound, ValidationProblem
from services.pagination import PageRequest
from services.principal import Principal
from workbook_api.subject_access import repository
from workbook_api.subject_access.models import (
    SubjectAccessExport,
    SubjectAccessRedaction,
)
from workbook_api.subject_access.schemas import (
    RedactionAdd,
    RedactionDecide,
    RedactionRead,
)
from workbook_api.subject_access.service import Conflict


def _read_redaction(
    redaction: SubjectAccessRedaction, sections: list[dict[str, str]]
) -> RedactionRead:
    text = sections[redaction.section]["text"][redaction.start : redaction.end]
    return RedactionRead.of(redaction, text=text)


async def list_redactions(
    session: AsyncSession, export_id: UUID, page: PageRequest, decision: str | None
) -> tuple[list[RedactionRead], str | None]:
    """An export's redactions in bundle order, each with the text it covers."""
    await repository.load_export_or_404(session, export_id)
    rows, cursor = await repository.list_redactions(session, export_id, page, decision)
    return [_read_redaction(row[0], row.sections) for row in rows], cursor


async def _in_review(session: AsyncSession, export_id: UUID) -> SubjectAccessExport:
    export = await repository.load_export_or_404(session, export_id, lock=True)
    if export.status != "in_review":
        raise Conflict("Redactions are reviewed once the export has gathered, before bundling.")
    return export


async def decide(
    session: AsyncSession,
    export_id: UUID,
    redaction_id: UUID,
    body: RedactionDecide,
    dpo: Principal,
) -> RedactionRead:
    """Confirm or remove one proposed (or earlier decided) redaction."""
    await _in_review(session, export_id)
    redaction = await repository.load_redaction_or_404(session, export_id, redaction_id)
    redaction.decision = body.decision
    redaction.note = body.note
    redaction.decided_by_id = dpo.practitioner_id
    redaction.decided_at = await transaction_now(session)
    await session.flush()
    item = await repository.load_item(session, export_id, redaction.item_id)
    assert item is not None
    return _read_redaction(redaction, item.sections)


async def add_redaction(
    session: AsyncSession, export_id: UUID, body: RedactionAdd, dpo: Principal
) -> RedactionRead:
    """A redaction the reviewer marks by hand (confirmed as it is made)."""
    await _in_review(session, export_id)
    item = await repository.load_item(session, export_id, body.item_id)
    if item is None:
        raise NotFound("record in this export")
    if body.section >= len(item.sections):
        raise ValidationProblem(
            [FieldError(("body", "section"), "The record has no such section.", "range")]
        )
    length = len(item.sections[body.section]["text"])
    if not body.start < body.end <= length:
        raise ValidationProblem(
            [FieldError(("body", "end"), f"The span must lie within 0..{length}.", "range")]
        )
    redaction = SubjectAccessRedaction(
        id=uuid.uuid4(),
        export_id=export_id,
        item_id=item.id,
        section=body.section,
        start=body.start,
        end=body.end,
        reason="reviewer",
        third_party=body.third_party,
        decision="confirmed",
        decided_by_id=dpo.practitioner_id,
        decided_at=await transaction_now(session),
        note=body.note,
    )
    session.add(redaction)
    await session.flush()
    return _read_redaction(redaction, item.sections)


async def confirm_remaining(session: AsyncSession, export_id: UUID, dpo: Principal) -> int:
    """Confirm every proposal the reviewer has not decided, as proposed."""
    await _in_review(session, export_id)
    result = await session.execute(
        update(SubjectAccessRedaction)
        .where(
            SubjectAccessRedaction.export_id == export_id,
            SubjectAccessRedaction.decision == "proposed",
        )
        .values(
            decision="confirmed",
            decided_by_id=dpo.practitioner_id,
            decided_at=await transaction_now(session),
            version=SubjectAccessRedaction.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def request_bundle(
    session: AsyncSession, export_id: UUID, dpo: Principal
) -> SubjectAccessExport:
    """Queue the bundle, once every proposal is decided."""
    export = await _in_review(session, export_id)
    undecided = await repository.count_undecided(session, export_id)
    if undecided:
        raise Conflict(f"{undecided} proposed redactions still wait for a decision.")
    export.status = "bundling"
    export.bundle_requested_by_id = dpo.practitioner_id
    export.lease_owner = None
    export.lease_expires_at = None
    await session.flush()
    return export
