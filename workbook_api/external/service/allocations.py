"""Allocations by external id, one at a time through the cases service the API uses.

Allocating checks the directory (the practitioner is known, active, in that discipline), the
one allocated social worker and overlapping periods; ending one keeps its history. Each record
runs in a savepoint, so a refused allocation leaves nothing behind and the chunk goes on.
"""

from __future__ import annotations

from uuid import UUID

from services.errors import ProblemError
from workbook_api.cases import service as cases
from workbook_api.cases.schemas import AllocationCreate, AllocationEnd
from workbook_api.external import repository
from workbook_api.external.schemas import AllocationRecord
from workbook_api.external.service.batch import (
    Batch,
    Keyed,
    Outcome,
    RowError,
    duplicate_key,
    row_errors,
)
from workbook_api.external.service.keys import key_row

# What an allocation is: a different practitioner, discipline, role or start is another one.
_IDENTITY = ("practitioner_id", "discipline", "is_allocated_social_worker", "starts_at")


async def _apply(
    batch: Batch, item: Keyed[AllocationRecord], case_id: UUID, allocation_id: UUID | None
) -> Outcome:
    session, record = batch.session, item.record
    case = (await repository.cases_by_id(session, [case_id], lock=True))[case_id]
    if allocation_id is None:
        allocation = await cases.allocate(
            session,
            batch.principal,
            case,
            AllocationCreate(
                practitioner_id=record.practitioner_id,
                discipline=record.discipline,
                is_allocated_social_worker=record.is_allocated_social_worker,
                starts_at=record.starts_at,
                ends_at=record.ends_at,
            ),
            social_work_disciplines=batch.social_work_disciplines,
        )
        await repository.add_keys(
            session, [key_row(batch.principal, batch.system, "allocation", allocation.id, item.key)]
        )
        return Outcome(item.row, item.key, "created", allocation.id)
    existing = await repository.allocation_or_none(session, allocation_id)
    assert existing is not None
    allocation = existing
    if allocation.case_id != case.id:
        return Outcome.failed(
            item,
            RowError(
                "case_external_id",
                "allocation_of_other_case",
                "The workbook has this allocation on another case.",
                409,
            ),
        )
    for name in _IDENTITY:
        if getattr(record, name) != getattr(allocation, name):
            return Outcome.failed(
                item,
                RowError(
                    name,
                    "allocation_differs",
                    "The workbook's allocation differs here; end it and allocate again under "
                    "a new external id.",
                    409,
                ),
            )
    if record.ends_at == allocation.ends_at:
        return Outcome(item.row, item.key, "unchanged", allocation.id)
    if record.ends_at is None:
        return Outcome.failed(
            item,
            RowError(
                "ends_at",
                "allocation_ended",
                "The workbook has ended this allocation; an ended allocation is not reopened.",
                409,
            ),
        )
    batch.before_change(allocation.id, allocation.version)
    await cases.end_allocation(
        session, case, allocation, AllocationEnd(ends_at=record.ends_at, reason=record.ended_reason)
    )
    return Outcome(item.row, item.key, "updated", allocation.id)


async def upsert_allocations(batch: Batch, items: list[Keyed[AllocationRecord]]) -> list[Outcome]:
    """Apply a chunk of allocation records, each on its own."""
    session, system = batch.session, batch.system
    case_ids = await repository.record_ids_by_keys(
        session, "case", system, {item.record.case_external_id for item in items}
    )
    known = await repository.record_ids_by_keys(
        session, "allocation", system, [item.key for item in items]
    )
    outcomes = []
    for item in items:
        if (error := duplicate_key(batch, item)) is not None:
            outcomes.append(Outcome.failed(item, error))
            continue
        case_id = case_ids.get(item.record.case_external_id)
        if case_id is None:
            outcomes.append(
                Outcome.failed(
                    item,
                    RowError(
                        "case_external_id",
                        "unknown_case",
                        f"No case has this external id in {system}; import the case first.",
                    ),
                )
            )
            continue
        try:
            async with session.begin_nested():
                outcome = await _apply(batch, item, case_id, known.get(item.key))
        except ProblemError as exc:
            if exc.status not in (409, 422):
                raise
            outcome = Outcome.failed(item, *row_errors(exc))
        outcomes.append(outcome)
    return outcomes
