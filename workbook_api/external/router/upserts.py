"""Create or update records by the system of record's keys, and read them by those keys.

`PUT /<records>/by-external-id/{system}/{external_id}` creates the record when the key names
none (201) and otherwise applies what changed (200), which needs `If-Match` with the record's
ETag; a record that changes nothing needs none, so repeating a PUT is harmless. A person
whose match is uncertain is not applied: the answer is 202 with the review a manager decides.
These are the system of record's (`system` role) own doors; practitioners use the record's.
"""

from __future__ import annotations

from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.auditing import Audit, AuditNote, audited
from services.concurrency import set_etag
from services.principal import Principal
from services.routing import kit_router
from services.unit_of_work import DbSession
from workbook_api.external import repository
from workbook_api.external.dependencies import (
    ExternalKeyPath,
    System,
    SystemOfRecord,
    UpsertIfMatch,
    refuse,
    version_check,
)
from workbook_api.external.schemas import (
    AllocationRecord,
    CaseRecord,
    ExternalAllocationRead,
    ExternalCaseRead,
    ExternalFamilyRead,
    ExternalMemberRead,
    FamilyRecord,
    MatchReviewRead,
    PersonRecord,
)
from workbook_api.external.service import UPSERTS, Batch, Keyed, Outcome, reads
from workbook_api.external.service.reviews import load_review_or_404, review_read
from workbook_api.settings import WorkbookSettings, WorkbookSettingsDep

router = kit_router(tags=["system of record"])

_CREATED: dict[int | str, dict[str, Any]] = {
    201: {"description": "Created: the key named no record until now"},
    # Every upsert can meet the record as the workbook holds it (in another team, closed,
    # ended, or the key already taken): `refuse` answers 409 with the row's errors.
    409: {"description": "Conflicts with the record as the workbook holds it"},
}
_REVIEW: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Not applied: the match is uncertain and waits for a manager's decision",
        "model": MatchReviewRead,
    },
}


async def upsert(
    kind: str,
    batch: Batch,
    key: str,
    record: Any,
    response: Response,
    note: AuditNote,
) -> Outcome:
    """Apply one record as a batch of one; refuse it as the API's problem when it fails."""
    outcome = (await UPSERTS[kind](batch, [Keyed(0, key, record)]))[0]
    note.details.update(system=batch.system, external_id=key, outcome=outcome.action)
    if outcome.matched_on:
        note.details["matched_on"] = outcome.matched_on
    refuse(outcome)
    if outcome.record_id is not None:
        note.resource_id = str(outcome.record_id)
    if outcome.action == "created":
        response.status_code = 201
    return outcome


def _batch(
    session: AsyncSession,
    principal: Principal,
    system: str,
    if_match: str | None,
    settings: WorkbookSettings,
) -> Batch:
    return Batch(
        session,
        principal,
        system,
        check_version=version_check(if_match),
        social_work_disciplines=settings.social_work_disciplines,
    )


@router.put(
    "/families/by-external-id/{system}/{external_id}",
    summary="Create or update a family by its external id",
    responses=_CREATED,
)
@audited("upsert", "family", resource="")
async def upsert_family(
    system: System,
    external_id: ExternalKeyPath,
    body: FamilyRecord,
    principal: SystemOfRecord,
    session: DbSession,
    response: Response,
    note: Audit,
    settings: WorkbookSettingsDep,
    if_match: UpsertIfMatch = None,
) -> ExternalFamilyRead:
    """Create the family this key names, or rename it (If-Match when it changes)."""
    batch = _batch(session, principal, system, if_match, settings)
    outcome = await upsert("families", batch, external_id, body, response, note)
    assert outcome.record_id is not None
    family = await reads.family_read(session, outcome.record_id)
    set_etag(response, family.id, family.version)
    response.headers["Location"] = f"/families/{family.id}"
    return family


@router.get(
    "/families/by-external-id/{system}/{external_id}", summary="Read a family by its external id"
)
@audited("read", "family", resource="")
async def get_family_by_external_id(
    system: System,
    external_id: ExternalKeyPath,
    principal: SystemOfRecord,
    session: DbSession,
    response: Response,
    note: Audit,
) -> ExternalFamilyRead:
    """Read the family a system of record's key names."""
    note.details.update(system=system, external_id=external_id)
    family_id = await repository.record_by_key_or_404(session, "family", system, external_id)
    note.resource_id = str(family_id)
    family = await reads.family_read(session, family_id)
    set_etag(response, family.id, family.version)
    return family


@router.put(
    "/people/by-external-id/{system}/{external_id}",
    summary="Create, update or match a person by their external id",
    response_model=ExternalMemberRead,
    responses={**_CREATED, **_REVIEW},
)
@audited("upsert", "person", resource="")
async def upsert_person(
    system: System,
    external_id: ExternalKeyPath,
    body: PersonRecord,
    principal: SystemOfRecord,
    session: DbSession,
    response: Response,
    note: Audit,
    settings: WorkbookSettingsDep,
    if_match: UpsertIfMatch = None,
) -> Any:
    """Create or update the person this key names; an unknown key is matched on NHS number,
    UPN and local id first: one certain match is linked, anything less waits for a manager."""
    batch = _batch(session, principal, system, if_match, settings)
    outcome = await upsert("people", batch, external_id, body, response, note)
    if outcome.action == "review":
        assert outcome.review_id is not None
        note.details["review_id"] = str(outcome.review_id)
        review = await load_review_or_404(session, principal, outcome.review_id)
        shown = await review_read(session, principal, review)
        return JSONResponse(
            shown.model_dump(mode="json"),
            status_code=202,
            headers={"Location": f"/match-reviews/{review.id}"},
        )
    assert outcome.record_id is not None
    person = await reads.person_read(session, outcome.record_id)
    set_etag(response, person.id, person.version)
    response.headers["Location"] = f"/families/{person.family_id}/members/{person.id}"
    return person


@router.get(
    "/people/by-external-id/{system}/{external_id}", summary="Read a person by their external id"
)
@audited("read", "person", resource="")
async def get_person_by_external_id(
    system: System,
    external_id: ExternalKeyPath,
    principal: SystemOfRecord,
    session: DbSession,
    response: Response,
    note: Audit,
) -> ExternalMemberRead:
    """Read the person a system of record's key names."""
    note.details.update(system=system, external_id=external_id)
    person_id = await repository.record_by_key_or_404(session, "person", system, external_id)
    note.resource_id = str(person_id)
    person = await reads.person_read(session, person_id)
    set_etag(response, person.id, person.version)
    return person


@router.put(
    "/cases/by-external-id/{system}/{external_id}",
    summary="Open, close, reopen or link a case by its external id",
    responses=_CREATED,
)
@audited("upsert", "case", resource="")
async def upsert_case(
    system: System,
    external_id: ExternalKeyPath,
    body: CaseRecord,
    principal: SystemOfRecord,
    session: DbSession,
    response: Response,
    note: Audit,
    settings: WorkbookSettingsDep,
    if_match: UpsertIfMatch = None,
) -> ExternalCaseRead:
    """Open the case this key names (or record it closed), or close or reopen it as the
    system of record says (If-Match); a family's open case without a key is linked."""
    batch = _batch(session, principal, system, if_match, settings)
    outcome = await upsert("cases", batch, external_id, body, response, note)
    assert outcome.record_id is not None
    note.case_id = outcome.record_id
    case = await reads.case_read(session, outcome.record_id)
    set_etag(response, case.id, case.version)
    response.headers["Location"] = f"/cases/{case.id}"
    return case


@router.get(
    "/cases/by-external-id/{system}/{external_id}", summary="Read a case by its external id"
)
@audited("read", "case", resource="")
async def get_case_by_external_id(
    system: System,
    external_id: ExternalKeyPath,
    principal: SystemOfRecord,
    session: DbSession,
    response: Response,
    note: Audit,
) -> ExternalCaseRead:
    """Read the case a system of record's key names."""
    note.details.update(system=system, external_id=external_id)
    case_id = await repository.record_by_key_or_404(session, "case", system, external_id)
    note.resource_id, note.case_id = str(case_id), case_id
    case = await reads.case_read(session, case_id)
    set_etag(response, case.id, case.version)
    return case


@router.put(
    "/allocations/by-external-id/{system}/{external_id}",
    summary="Allocate or end an allocation by its external id",
    responses=_CREATED,
)
@audited("upsert", "allocation", resource="")
async def upsert_allocation(
    system: System,
    external_id: ExternalKeyPath,
    body: AllocationRecord,
    principal: SystemOfRecord,
    session: DbSession,
    response: Response,
    note: Audit,
    settings: WorkbookSettingsDep,
    if_match: UpsertIfMatch = None,
) -> ExternalAllocationRead:
    """Allocate a practitioner to a case as the system of record says (checked against the
    directory), or end the allocation (If-Match)."""
    batch = _batch(session, principal, system, if_match, settings)
    outcome = await upsert("allocations", batch, external_id, body, response, note)
    assert outcome.record_id is not None
    allocation = await reads.allocation_read(session, outcome.record_id)
    note.case_id = allocation.case_id
    set_etag(response, allocation.id, allocation.version)
    response.headers["Location"] = f"/cases/{allocation.case_id}/allocations/{allocation.id}"
    return allocation


@router.get(
    "/allocations/by-external-id/{system}/{external_id}",
    summary="Read an allocation by its external id",
)
@audited("read", "allocation", resource="")
async def get_allocation_by_external_id(
    system: System,
    external_id: ExternalKeyPath,
    principal: SystemOfRecord,
    session: DbSession,
    response: Response,
    note: Audit,
) -> ExternalAllocationRead:
    """Read the allocation a system of record's key names."""
    note.details.update(system=system, external_id=external_id)
    allocation_id = await repository.record_by_key_or_404(
        session, "allocation", system, external_id
    )
    note.resource_id = str(allocation_id)
    allocation = await reads.allocation_read(session, allocation_id)
    note.case_id = allocation.case_id
    set_etag(response, allocation.id, allocation.version)
    return allocation
