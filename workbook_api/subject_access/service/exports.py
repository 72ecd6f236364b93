"""Starting an export and reading what it found.

What other units hold is read here, in the request that starts the export, as the DPO who
asked (each unit applies its own rule and audits the read as theirs, for subject access): a
delegated token lives a minute and must never be stored for a job to use later. The
workbook's own records are gathered by the background runner (runner.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import ProblemError
from services.pagination import PageRequest
from services.principal import Principal
from services.registry import INTERVENTION, PATHWAY, SUPERVISION, Unit
from services.subject_access.records import MAX_CASES, SubjectRecords
from services.unit_calls import AsCaller
from workbook_api.subject_access import repository
from workbook_api.subject_access.models import (
    SubjectAccessExport,
)
from workbook_api.subject_access.schemas import (
    ExportRead,
    ItemRead,
)
from workbook_api.subject_access.service import Conflict

SOURCE_UNITS: tuple[Unit, ...] = (SUPERVISION, INTERVENTION, PATHWAY)


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
