"""`GET /subject-access/records`: what this unit holds about some cases, for the DPO alone."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from services.auditing import Audit, RequestAudit, audited
from services.auth import DPO_ROLE, require_any_role
from services.principal import Principal
from services.registry import Unit
from services.routing import kit_router
from services.subject_access.records import MAX_CASES, PURPOSE, SubjectRecords, SubjectSource
from services.unit_of_work import DbSession

Dpo = Annotated[Principal, Depends(require_any_role(DPO_ROLE))]


async def subject_access_purpose(request: Request) -> str:
    """Record every read of this route as made for subject access, whatever the header says."""
    trail = RequestAudit.of(request)
    if trail is not None:
        trail.purpose = PURPOSE
    return PURPOSE


def subject_records_router(unit: Unit, source: SubjectSource) -> APIRouter:
    """The unit's answer to a subject access export (operation id carries the unit's name)."""
    router = kit_router(tags=["subject access"], dependencies=[Depends(subject_access_purpose)])

    @router.get(
        "/subject-access/records",
        summary="Read what this unit holds about some cases, for a subject access request",
        operation_id=f"read_{unit.name}_subject_records",
    )
    @audited("read", "subject_records", resource="")
    async def read_subject_records(
        dpo: Dpo,
        session: DbSession,
        note: Audit,
        case_id: Annotated[
            list[UUID],
            Query(min_length=1, max_length=MAX_CASES, description="The family's cases"),
        ],
    ) -> SubjectRecords:
        """Every record this unit holds about the cases, restricted detail included and marked
        with whom it is about: the workbook's export proposes redactions from it."""
        records = await source(session, case_id)
        note.details.update(cases=len(case_id), count=len(records))
        return SubjectRecords(unit=unit.name, records=records)

    return router
