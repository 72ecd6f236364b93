"""Subject access behaviour: registering requests and their deadlines, starting exports,
reviewing the proposed redactions, asking for the bundle and recording the disclosure.

The gathering itself runs in the background (runner.py). What other units hold is read here,
in the request that starts the export, as the DPO who asked (each unit applies its own rule
and audits the read as theirs, for subject access): a delegated token lives a minute and must
never be stored for a job to use later.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Sequence
from datetime import date
from uuid import UUID

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import FieldError, ProblemError, ValidationProblem
from services.pagination import PageRequest
from services.principal import Principal
from services.registry import INTERVENTION, PATHWAY, SUPERVISION, Unit
from services.subject_access.records import MAX_CASES, SubjectRecords
from services.unit_calls import AsCaller
from services.working_days import local_date
from workbook_api.subject_access import repository
from workbook_api.subject_access.models import (
    SubjectAccessDisclosure,
    SubjectAccessExport,
    SubjectAccessRedaction,
    SubjectAccessRequest,
)
from workbook_api.subject_access.schemas import (
    BundleRead,
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

# The units whose records a subject access export gathers beside the workbook's own.
SOURCE_UNITS: tuple[Unit, ...] = (SUPERVISION, INTERVENTION, PATHWAY)
MAX_EXTENSION_MONTHS = 2


class Conflict(ProblemError):
    """The request or export is not in a state that allows this."""

    def __init__(self, detail: str) -> None:
        super().__init__(409, "conflict", detail)


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months on (the month's last day when it has fewer)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


async def today(session: AsyncSession) -> date:
    """The transaction's day in England."""
    return local_date(await transaction_now(session))


def read_request(request: SubjectAccessRequest, on: date) -> SarRead:
    """A request as answered, with whether it is overdue on the day."""
    due = request.extended_due_on or request.due_on
    return SarRead.of(request, overdue=request.status == "open" and due < on)


async def register(session: AsyncSession, body: SarCreate, dpo: Principal) -> SubjectAccessRequest:
    """Register a request about a person on the record, due one calendar month after receipt."""
    person = await repository.load_person(session, body.person_id)
    if person is None:
        raise ValidationProblem(
            [FieldError(("body", "person_id"), "No such person on the record.", "not_found")]
        )
    if body.received_on > await today(session):
        raise ValidationProblem(
            [FieldError(("body", "received_on"), "A request cannot arrive tomorrow.", "future")]
        )
    request = SubjectAccessRequest(
        person_id=person.id,
        family_id=person.family_id,
        requester_name=body.requester_name,
        requester_relationship=body.requester_relationship,
        received_on=body.received_on,
        due_on=add_months(body.received_on, 1),
        status="open",
        registered_by_id=dpo.practitioner_id,
        registered_by_name=dpo.display_name,
    )
    session.add(request)
    await session.flush()
    return request


async def extend(session: AsyncSession, request_id: UUID, body: SarExtend) -> SubjectAccessRequest:
    """Extend an open request's deadline once, by up to two further months, with the reason."""
    request = await repository.load_request_or_404(session, request_id, lock=True)
    if request.status != "open":
        raise Conflict("Only an open request can be extended.")
    if request.extended_due_on is not None:
        raise Conflict("The deadline was extended already; the law allows it once.")
    request.extended_due_on = add_months(request.due_on, body.months)
    request.extension_reason = body.reason
    await session.flush()
    return request


async def list_requests(
    session: AsyncSession, page: PageRequest, *, open_only: bool, overdue: bool
) -> tuple[list[SarRead], str | None]:
    """Requests newest first (open only, or overdue only, when asked)."""
    on = await today(session)
    rows, cursor = await repository.list_requests(
        session, page, open_only=open_only, overdue_on=on if overdue else None
    )
    return [read_request(row, on) for row in rows], cursor


async def gather_remote(calls: AsCaller, case_ids: Sequence[UUID]) -> list[SubjectRecords]:
    """What each other unit holds about the cases, read as the caller (the DPO)."""
    if not case_ids:
        return []
    answers = []
    for unit in SOURCE_UNITS:
        held = SubjectRecords(unit=unit.name, records=[])
        for start in range(0, len(case_ids), MAX_CASES):
            batch = [str(case) for case in case_ids[start : start + MAX_CASES]]
            answer = await calls.get(unit, "/subject-access/records", params={"case_id": batch})
            if not answer.ok or answer.body is None:
                # A unit that would not answer must not read as one that holds nothing.
                raise ProblemError(
                    503,
                    "unit-unavailable",
                    f"The {unit.name} service did not give its records; try again shortly.",
                    headers={"Retry-After": "2"},
                )
            held.records += SubjectRecords.model_validate(answer.body).records
        answers.append(held)
    return answers


async def start_export(
    session: AsyncSession, request_id: UUID, calls: AsCaller, dpo: Principal
) -> SubjectAccessExport:
    """Queue an export of everything held about the request's subject."""
    request = await repository.load_request_or_404(session, request_id, lock=True)
    if request.status != "open":
        raise Conflict("Only an open request is exported.")
    case_ids = await repository.family_case_ids(session, request.family_id)
    remote = await gather_remote(calls, case_ids)
    export = SubjectAccessExport(
        request_id=request.id,
        status="queued",
        remote_records=[answer.model_dump(mode="json") for answer in remote],
        cases_total=len(case_ids),
        started_by_id=dpo.practitioner_id,
    )
    session.add(export)
    await session.flush()
    return export


async def read_request_by_id(session: AsyncSession, request_id: UUID) -> SarRead:
    """A request by id, with whether it is overdue today."""
    found = await repository.load_request_or_404(session, request_id)
    return read_request(found, await today(session))


async def read_export(session: AsyncSession, export_id: UUID) -> ExportRead:
    """An export and its progress."""
    return ExportRead.of(await repository.load_export_or_404(session, export_id))


async def list_items(
    session: AsyncSession, export_id: UUID, page: PageRequest
) -> tuple[list[ItemRead], str | None]:
    """What an export found, in bundle order."""
    await repository.load_export_or_404(session, export_id)
    rows, cursor = await repository.list_items(session, export_id, page)
    return [ItemRead.of(row) for row in rows], cursor


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
        raise ValidationProblem(
            [FieldError(("body", "item_id"), "No such record in this export.", "not_found")]
        )
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
