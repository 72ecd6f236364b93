"""Import job queries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.errors import NotFound
from services.pagination import Keyset, PageRequest, aware_datetime, uuid_value
from workbook_api.imports.models import ImportFile, ImportJob, ImportRowError

JOB_ORDER = Keyset((ImportJob.created_at, aware_datetime), (ImportJob.id, uuid_value))
ERROR_ORDER = Keyset((ImportRowError.row, int), (ImportRowError.id, int), descending=False)


async def list_jobs(session: AsyncSession, page: PageRequest) -> tuple[list[ImportJob], str | None]:
    """A page of imports, newest first."""
    rows = list(await session.scalars(JOB_ORDER.apply(select(ImportJob), page)))
    return JOB_ORDER.page(rows, page, lambda job: (job.created_at, job.id))


async def load_job_or_404(session: AsyncSession, job_id: UUID, *, lock: bool = False) -> ImportJob:
    """An import by id (locked for a change when asked)."""
    query = select(ImportJob).where(ImportJob.id == job_id)
    if lock:
        query = query.with_for_update()
    job = await session.scalar(query)
    if job is None:
        raise NotFound("import")
    return job


async def load_file(session: AsyncSession, job_id: UUID) -> ImportFile:
    """The file an import reads."""
    found = await session.scalar(select(ImportFile).where(ImportFile.job_id == job_id))
    assert found is not None
    return found


async def list_errors(
    session: AsyncSession, job_id: UUID, page: PageRequest
) -> tuple[list[ImportRowError], str | None]:
    """A page of an import's row errors, in row order."""
    query = select(ImportRowError).where(ImportRowError.job_id == job_id)
    rows = list(await session.scalars(ERROR_ORDER.apply(query, page)))
    return ERROR_ORDER.page(rows, page, lambda error: (error.row, error.id))


async def add_errors(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Record row errors (dicts of job_id, row, field, code, message)."""
    if rows:
        await session.execute(insert(ImportRowError), rows)
