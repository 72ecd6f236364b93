"""One chunk of an import, applied in one transaction with its errors, audit and cursor.

The transaction first locks the job row and checks that this runner still holds the job (its
lease, not cancelled) and that the cursor is where the runner left it; only then are the
chunk's records applied and the cursor moved. So two runners can never both apply a chunk,
and a chunk is applied whole or not at all. A dry run applies the chunk inside a savepoint it
rolls back: it meets every rule a real run would and changes nothing but its report.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.audit import AuditEvent, write_audit
from services.kernel_tables import KernelTables
from workbook_api.external.service import UPSERTS, Batch, Outcome
from workbook_api.external.service.batch import Memory, RowError
from workbook_api.imports import repository
from workbook_api.imports.columns import LAYOUTS, Layout
from workbook_api.imports.models import ImportJob
from workbook_api.imports.parsing import Parsed
from workbook_api.imports.reader import Row
from workbook_api.imports.service import principal_of_job
from workbook_api.settings import WorkbookSettings

log = logging.getLogger(__name__)

# Errors kept per job (each row's count is kept regardless): enough to fix any file.
MAX_STORED_ERRORS = 10_000
# Conflicts a chunk may meet from concurrent writers; it is tried again from its start.
_RETRIED_SQLSTATES = frozenset({"23505", "40001", "40P01"})
_RETRIES = 3
COUNTERS = {
    "created": "records_created",
    "updated": "records_updated",
    "unchanged": "records_unchanged",
    "linked": "records_linked",
    "review": "records_for_review",
}


class JobLost(Exception):
    """The runner no longer holds the job (cancelled, or its lease was taken over)."""


class Restart(Exception):
    """A dry run met a conflict mid-way: it starts again, as it would after a restart."""


def _retryable(exc: DBAPIError) -> bool:
    sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
    return sqlstate in _RETRIED_SQLSTATES


class Chunks:
    """Applies chunks of one runner's jobs."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        kernel: KernelTables,
        settings: WorkbookSettings,
        owner: str,
    ) -> None:
        self.sessions = sessions
        self.kernel = kernel
        self.settings = settings
        self.owner = owner
        self.lease = timedelta(seconds=settings.import_lease_seconds)

    async def apply(
        self, job: ImportJob, chunk: list[Row], parsed: Parsed, done: int, memory: Memory
    ) -> None:
        first_row = chunk[0].number
        for attempt in range(_RETRIES):
            try:
                await self._commit(job, chunk, parsed, done, memory)
                return
            except DBAPIError as exc:
                if not _retryable(exc) or attempt == _RETRIES - 1:
                    raise
                log.warning("import %s: chunk at row %d met a conflict; again", job.id, first_row)
                if job.dry_run:
                    raise Restart() from exc
                memory.keys = {k: r for k, r in memory.keys.items() if r < first_row}
                memory.forget_written()

    async def _commit(
        self, job: ImportJob, chunk: list[Row], parsed: Parsed, done: int, memory: Memory
    ) -> None:
        async with self.sessions() as session, session.begin():
            held = await session.scalar(
                select(ImportJob).where(ImportJob.id == job.id).with_for_update()
            )
            if (
                held is None
                or held.status != "running"
                or held.lease_owner != self.owner
                or held.rows_done != done
            ):
                raise JobLost()
            outcomes = await self._upsert(session, held, parsed, memory)
            counts: Counter[str] = Counter(o.action for o in outcomes)
            errors = dict(parsed.errors)
            for outcome in outcomes:
                if outcome.action == "failed":
                    errors[outcome.row] = outcome.errors
            await self._store_errors(session, held, errors, LAYOUTS[held.kind])
            for action, column in COUNTERS.items():
                setattr(held, column, getattr(held, column) + counts[action])
            held.rows_failed += len(errors)
            held.rows_done = done + len(chunk)
            held.lease_expires_at = func.now() + self.lease
            await session.flush()
            await self._audit(session, held, chunk, counts, len(errors))

    async def _upsert(
        self, session: AsyncSession, job: ImportJob, parsed: Parsed, memory: Memory
    ) -> list[Outcome]:
        if not parsed.items:
            return []
        batch = Batch(
            session,
            principal_of_job(job),
            job.system,
            import_job_id=job.id,
            memory=memory,
            social_work_disciplines=self.settings.social_work_disciplines,
        )
        if not job.dry_run:
            return await UPSERTS[job.kind](batch, parsed.items)
        savepoint = await session.begin_nested()
        try:
            return await UPSERTS[job.kind](batch, parsed.items)
        finally:
            await savepoint.rollback()

    async def _store_errors(
        self,
        session: AsyncSession,
        job: ImportJob,
        errors: dict[int, list[RowError]],
        layout: Layout,
    ) -> None:
        room = MAX_STORED_ERRORS - job.rows_failed
        rows_ = [
            {
                "job_id": job.id,
                "row": row,
                "field": layout.column_for(error.field) if error.field else None,
                "code": error.code[:64],
                "message": error.message[:500],
            }
            for row, row_errors in sorted(errors.items())[: max(room, 0)]
            for error in row_errors
        ]
        await repository.add_errors(session, rows_)

    async def _audit(
        self,
        session: AsyncSession,
        job: ImportJob,
        chunk: list[Row],
        counts: Counter[str],
        failed: int,
    ) -> None:
        action = "import_dry_run" if job.dry_run else "import"
        details = {
            "kind": job.kind,
            "system": job.system,
            "rows": [chunk[0].number, chunk[-1].number],
            **{action_: counts[action_] for action_ in COUNTERS},
            "failed": failed,
        }
        # One audit row per chunk, naming its rows and what became of them: a row per record
        # cost the import as much again (each is sealed into the chain), and each record's
        # key (created_by, created_at, matched_on) and its opened_by name the import's actor.
        events = [AuditEvent(action, "import_job", str(job.id), None, job.purpose, details=details)]
        await write_audit(
            session,
            self.kernel.audit_log,
            actor=principal_of_job(job),
            request_id=job.request_id,
            events=events,
        )
