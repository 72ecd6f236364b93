"""Import jobs: taking a file, reading a job back in words, cancelling one."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.clock import transaction_now
from services.errors import ProblemError
from services.principal import Principal
from workbook_api.imports.models import FINISHED_STATUSES, ImportFile, ImportJob
from workbook_api.imports.schemas import ImportJobRead


def principal_snapshot(principal: Principal) -> dict[str, Any]:
    """Who asked for a job, kept with it: the job acts (and is audited) as them."""
    return {
        "subject": principal.subject,
        "practitioner_id": str(principal.practitioner_id),
        "display_name": principal.display_name,
        "discipline": principal.discipline,
        "roles": sorted(principal.roles),
        "team_ids": sorted(str(t) for t in principal.team_ids),
        "managed_team_ids": sorted(str(t) for t in principal.managed_team_ids),
    }


def principal_of_job(job: ImportJob) -> Principal:
    """The principal a job acts as."""
    who = job.requested_by
    return Principal(
        subject=who["subject"],
        practitioner_id=UUID(who["practitioner_id"]),
        display_name=who["display_name"],
        discipline=who["discipline"],
        roles=frozenset(who["roles"]),
        team_ids=frozenset(UUID(t) for t in who["team_ids"]),
        managed_team_ids=frozenset(UUID(t) for t in who["managed_team_ids"]),
    )


async def create_job(
    session: AsyncSession,
    principal: Principal,
    *,
    kind: str,
    system: str,
    dry_run: bool,
    file_format: str,
    content_encoding: str,
    content: bytes,
    request_id: str,
    purpose: str,
) -> ImportJob:
    """Queue an import of a file (already known to be readable) for the runners."""
    job = ImportJob(
        kind=kind,
        system=system,
        file_format=file_format,
        dry_run=dry_run,
        status="queued",
        byte_size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        requested_by=principal_snapshot(principal),
        request_id=request_id,
        purpose=purpose,
    )
    session.add(job)
    await session.flush()
    session.add(ImportFile(job_id=job.id, content_encoding=content_encoding, content=content))
    await session.flush()
    return job


async def cancel_job(session: AsyncSession, job: ImportJob) -> None:
    """Stop a job that has not finished; what its committed chunks did stays done."""
    if job.status in FINISHED_STATUSES:
        raise ProblemError(409, "import-finished", f"This import has already {job.status}.")
    job.status = "cancelled"
    job.finished_at = await transaction_now(session)
    job.lease_owner = None
    job.lease_expires_at = None
    await session.flush()


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def summary(job: ImportJob) -> str:
    """What the job did (or would do), in a sentence or two a person can read."""
    rows = _n(job.rows_total, "row") if job.rows_total is not None else "the rows"
    source = f"{job.kind} from {job.system}"
    if job.status == "queued":
        return f"Waiting to import {source}."
    if job.status == "failed" and job.failure:
        head = f"Stopped after {_n(job.rows_done, 'row')} of {source}: {job.failure}"
    elif job.status == "running":
        head = f"Importing {source}: {job.rows_done:,} of {rows} read so far."
    elif job.status == "cancelled":
        head = f"Cancelled after {_n(job.rows_done, 'row')} of {source}."
    else:
        head = f"Read {_n(job.rows_done, 'row')} of {source}."
    would = "would be " if job.dry_run else ""
    parts = [
        f"{job.records_created:,} {would}created",
        f"{job.records_updated:,} {would}updated",
        f"{job.records_unchanged:,} unchanged",
        f"{job.records_linked:,} {would}linked to records the workbook already held",
        f"{job.records_for_review:,} {would}sent to a manager to review",
    ]
    tail = f"{_n(job.rows_failed, 'row')} with errors (see errors)."
    prefix = "Dry run, nothing was changed. " if job.dry_run else ""
    return f"{prefix}{head} Records: {', '.join(parts)}; {tail}"


def job_read(job: ImportJob) -> ImportJobRead:
    """A job as the API shows it."""
    progress = None
    if job.rows_total:
        progress = round(min(1.0, job.rows_done / job.rows_total), 4)
    elif job.rows_total == 0:
        progress = 1.0
    return ImportJobRead.of(
        job,
        summary=summary(job),
        progress=progress,
        requested_by_practitioner_id=UUID(job.requested_by["practitioner_id"]),
    )
