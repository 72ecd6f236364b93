"""Subject access queries: requests, exports, what was found and the redactions on it.

The DPO answers for the whole council, so nothing here is scoped to a team: the route's role
check is the access rule, and every request is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, func, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import NotFound
from services.pagination import Keyset, PageRequest, aware_datetime, uuid_value
from workbook_api.cases.models import Case
from workbook_api.chronology.models import ChronologyEvent
from workbook_api.entries.models import Entry
from workbook_api.families.models import Person, PersonIdentifier
from workbook_api.practitioners.models import DirectoryPractitioner
from workbook_api.subject_access.models import (
    SubjectAccessBundle,
    SubjectAccessDisclosure,
    SubjectAccessExport,
    SubjectAccessItem,
    SubjectAccessRedaction,
    SubjectAccessRequest,
)

REQUEST_ORDER = Keyset(
    (SubjectAccessRequest.created_at, aware_datetime), (SubjectAccessRequest.id, uuid_value)
)
ITEM_ORDER = Keyset((SubjectAccessItem.position, int), descending=False)
REDACTION_ORDER = Keyset(
    (SubjectAccessItem.position, int),
    (SubjectAccessRedaction.section, int),
    (SubjectAccessRedaction.start, int),
    (SubjectAccessRedaction.id, uuid_value),
    descending=False,
)
ENTRY_BATCH = 2000


def effective_due(request: Any) -> Any:
    """The day a request is due, extension included (as SQL on the model, or on a row)."""
    return func.coalesce(request.extended_due_on, request.due_on)


async def load_person(session: AsyncSession, person_id: UUID) -> Person | None:
    """A person on the record, or None."""
    found: Person | None = await session.get(Person, person_id)
    return found


async def load_request_or_404(
    session: AsyncSession, request_id: UUID, *, lock: bool = False
) -> SubjectAccessRequest:
    """A subject access request by id."""
    query = select(SubjectAccessRequest).where(SubjectAccessRequest.id == request_id)
    if lock:
        query = query.with_for_update()
    found = await session.scalar(query)
    if found is None:
        raise NotFound("subject access request")
    return found


async def list_requests(
    session: AsyncSession, page: PageRequest, *, open_only: bool, overdue_on: date | None
) -> tuple[list[SubjectAccessRequest], str | None]:
    """Requests newest first; open ones only, or only those overdue on a day, when asked."""
    query = select(SubjectAccessRequest)
    if open_only or overdue_on is not None:
        query = query.where(SubjectAccessRequest.status == "open")
    if overdue_on is not None:
        query = query.where(effective_due(SubjectAccessRequest) < overdue_on)
    rows = list(await session.scalars(REQUEST_ORDER.apply(query, page)))
    return REQUEST_ORDER.page(rows, page, lambda row: (row.created_at, row.id))


async def load_export_or_404(
    session: AsyncSession, export_id: UUID, *, lock: bool = False
) -> SubjectAccessExport:
    """An export by id."""
    query = select(SubjectAccessExport).where(SubjectAccessExport.id == export_id)
    if lock:
        query = query.with_for_update()
    found = await session.scalar(query)
    if found is None:
        raise NotFound("export")
    return found


async def family_case_ids(session: AsyncSession, family_id: UUID) -> list[UUID]:
    """Every case of a family, oldest first."""
    query = select(Case.id).where(Case.family_id == family_id).order_by(Case.opened_at, Case.id)
    return list(await session.scalars(query))


async def family_cases(session: AsyncSession, family_id: UUID) -> list[Case]:
    """Every case of a family, oldest first."""
    query = select(Case).where(Case.family_id == family_id).order_by(Case.opened_at, Case.id)
    return list(await session.scalars(query))


async def known_people(session: AsyncSession) -> Sequence[Any]:
    """Everyone the record knows by name, with their family."""
    query = select(
        Person.id, Person.family_id, Person.given_name, Person.family_name, Person.preferred_name
    )
    return (await session.execute(query)).all()


async def family_members(session: AsyncSession, family_id: UUID) -> list[Person]:
    """The members of a family."""
    query = select(Person).where(Person.family_id == family_id).order_by(Person.created_at)
    return list(await session.scalars(query))


async def identifiers_of(session: AsyncSession, person_id: UUID) -> list[PersonIdentifier]:
    """A person's identifiers."""
    query = select(PersonIdentifier).where(PersonIdentifier.person_id == person_id)
    return list(await session.scalars(query))


async def professional_names(session: AsyncSession) -> list[str]:
    """Every practitioner's name the directory told us."""
    return list(await session.scalars(select(DirectoryPractitioner.display_name)))


async def entries_after(
    session: AsyncSession, case_id: UUID, after: tuple[Any, UUID] | None
) -> list[Entry]:
    """The next batch of a case's entries, in event order, after an (event_at, id) key: final
    ones, drafts and withdrawn ones alike (all are held; gather.py labels them)."""
    query = select(Entry).where(Entry.case_id == case_id)
    if after is not None:
        query = query.where(tuple_(Entry.event_at, Entry.id) > tuple_(*after))
    query = query.order_by(Entry.event_at, Entry.id).limit(ENTRY_BATCH)
    return list(await session.scalars(query))


async def chronology_of_case(session: AsyncSession, case_id: UUID) -> list[ChronologyEvent]:
    """What other units put on a case's chronology."""
    query = (
        select(ChronologyEvent)
        .where(ChronologyEvent.case_id == case_id)
        .order_by(ChronologyEvent.occurred_at, ChronologyEvent.id)
    )
    return list(await session.scalars(query))


async def add_items(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Record found items (dicts of the item's columns, ids included)."""
    if rows:
        await session.execute(insert(SubjectAccessItem), rows)


async def add_redactions(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Record proposed redactions."""
    if rows:
        await session.execute(insert(SubjectAccessRedaction), rows)


async def forget_found(session: AsyncSession, export_id: UUID) -> None:
    """Drop what a previous, interrupted run of an export found (it starts again)."""
    await session.execute(
        delete(SubjectAccessRedaction).where(SubjectAccessRedaction.export_id == export_id)
    )
    await session.execute(delete(SubjectAccessItem).where(SubjectAccessItem.export_id == export_id))


async def list_items(
    session: AsyncSession, export_id: UUID, page: PageRequest
) -> tuple[list[SubjectAccessItem], str | None]:
    """A page of an export's items in bundle order."""
    query = select(SubjectAccessItem).where(SubjectAccessItem.export_id == export_id)
    rows = list(await session.scalars(ITEM_ORDER.apply(query, page)))
    return ITEM_ORDER.page(rows, page, lambda row: (row.position,))


async def all_items(session: AsyncSession, export_id: UUID) -> list[SubjectAccessItem]:
    """Every item of an export in bundle order."""
    query = (
        select(SubjectAccessItem)
        .where(SubjectAccessItem.export_id == export_id)
        .order_by(SubjectAccessItem.position)
    )
    return list(await session.scalars(query))


async def load_item(
    session: AsyncSession, export_id: UUID, item_id: UUID
) -> SubjectAccessItem | None:
    """One item of an export."""
    query = select(SubjectAccessItem).where(
        SubjectAccessItem.id == item_id, SubjectAccessItem.export_id == export_id
    )
    found: SubjectAccessItem | None = await session.scalar(query)
    return found


async def list_redactions(
    session: AsyncSession, export_id: UUID, page: PageRequest, decision: str | None
) -> tuple[list[Row[Any]], str | None]:
    """A page of an export's redactions in bundle order, each with the section it covers."""
    query = (
        select(SubjectAccessRedaction, SubjectAccessItem.position, SubjectAccessItem.sections)
        .join(SubjectAccessItem, SubjectAccessItem.id == SubjectAccessRedaction.item_id)
        .where(SubjectAccessRedaction.export_id == export_id)
    )
    if decision is not None:
        query = query.where(SubjectAccessRedaction.decision == decision)
    rows = list((await session.execute(REDACTION_ORDER.apply(query, page))).all())
    return REDACTION_ORDER.page(
        rows, page, lambda row: (row.position, row[0].section, row[0].start, row[0].id)
    )


async def load_redaction_or_404(
    session: AsyncSession, export_id: UUID, redaction_id: UUID
) -> SubjectAccessRedaction:
    """One redaction of an export, locked for the decision."""
    query = (
        select(SubjectAccessRedaction)
        .where(
            SubjectAccessRedaction.id == redaction_id,
            SubjectAccessRedaction.export_id == export_id,
        )
        .with_for_update()
    )
    found = await session.scalar(query)
    if found is None:
        raise NotFound("redaction")
    return found


async def applied_redactions(session: AsyncSession, export_id: UUID) -> Sequence[Any]:
    """The confirmed redactions of an export: item, section, span and reason."""
    query = select(
        SubjectAccessRedaction.item_id,
        SubjectAccessRedaction.section,
        SubjectAccessRedaction.start,
        SubjectAccessRedaction.end,
        SubjectAccessRedaction.reason,
    ).where(
        SubjectAccessRedaction.export_id == export_id,
        SubjectAccessRedaction.decision == "confirmed",
    )
    return (await session.execute(query)).all()


async def count_undecided(session: AsyncSession, export_id: UUID) -> int:
    """How many proposals still wait for the reviewer."""
    query = select(func.count()).where(
        SubjectAccessRedaction.export_id == export_id,
        SubjectAccessRedaction.decision == "proposed",
    )
    return int(await session.scalar(query) or 0)


async def load_bundle(session: AsyncSession, export_id: UUID) -> SubjectAccessBundle | None:
    """The bundle produced from an export, if any."""
    query = select(SubjectAccessBundle).where(SubjectAccessBundle.export_id == export_id)
    found: SubjectAccessBundle | None = await session.scalar(query)
    return found


async def list_disclosures(
    session: AsyncSession, request_id: UUID
) -> list[SubjectAccessDisclosure]:
    """A request's disclosures, oldest first."""
    query = (
        select(SubjectAccessDisclosure)
        .where(SubjectAccessDisclosure.request_id == request_id)
        .order_by(SubjectAccessDisclosure.recorded_at, SubjectAccessDisclosure.id)
    )
    return list(await session.scalars(query))
