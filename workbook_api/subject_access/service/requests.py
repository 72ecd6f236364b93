"""Registering subject access requests, their deadlines and extensions."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import FieldError, NotFound, ValidationProblem
from services.pagination import PageRequest
from services.principal import Principal
from workbook_api.subject_access import repository
from workbook_api.subject_access.models import (
    SubjectAccessRequest,
)
from workbook_api.subject_access.schemas import (
    SarCreate,
    SarExtend,
    SarRead,
)
from workbook_api.subject_access.service import Conflict, add_months, today


def read_request(request: SubjectAccessRequest, on: date) -> SarRead:
    """A request as answered, with whether it is overdue on the day."""
    due = request.extended_due_on or request.due_on
    return SarRead.of(request, overdue=request.status == "open" and due < on)


async def register(session: AsyncSession, body: SarCreate, dpo: Principal) -> SubjectAccessRequest:
    """Register a request about a person on the record, due one calendar month after receipt."""
    person = await repository.load_person(session, body.person_id)
    if person is None:
        raise NotFound("person")
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


async def read_request_by_id(session: AsyncSession, request_id: UUID) -> SarRead:
    """A request by id, with whether it is overdue today."""
    found = await repository.load_request_or_404(session, request_id)
    return read_request(found, await today(session))
