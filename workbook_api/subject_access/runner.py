"""The background runner of subject access exports: gathering, then (after review) bundling.

Like the import runner, each workbook process runs one on a small engine of its own, claiming
work with a lease (`FOR UPDATE SKIP LOCKED`, so replicas share the queue). Gathering commits
a batch of a case's entries at a time with the job's progress, under a check that the runner
still holds the lease, so no transaction stays open for the length of a family's record;
a job taken over after its runner died starts its gathering again from nothing (what the first
runner found is dropped in the same transaction), since a snapshot half from one moment and
half from another would not be one disclosure. The bundle is laid out in a child process
(services/documents/process.py: a thread would hold the interpreter lock for seconds) and
stored with its hashes in one transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, suppress
from datetime import timedelta
from uuid import UUID

from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.background import run_in_background
from services.db import create_engine, create_sessionmaker, is_connection_failure
from services.documents.process import LayoutProcessDied, LayoutProcesses
from services.subject_access.records import SubjectRecords
from workbook_api.settings import WorkbookSettings
from workbook_api.subject_access import repository
from workbook_api.subject_access.bundle import Cover, gathered, lay_out
from workbook_api.subject_access.gather import ItemWriter, case_sections, person_sections
from workbook_api.subject_access.marking import KnownPerson, Marker
from workbook_api.subject_access.models import SubjectAccessBundle, SubjectAccessExport

log = logging.getLogger(__name__)

LifespanHook = Callable[[FastAPI, AsyncExitStack], Awaitable[None]]
MAX_ATTEMPTS = 5
WORKBOOK = "workbook"


class JobLost(Exception):
    """Another runner holds the job now."""


class ExportRunner:
    """Claims subject access exports and runs their next step, one at a time per process."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: WorkbookSettings,
        layout: LayoutProcesses,
    ):
        self.sessions = sessions
        self.layout = layout
        self.settings = settings
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = timedelta(seconds=settings.subject_access_lease_seconds)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look for work now (an export was just queued in this process)."""
        self._wake.set()

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Claim and run exports until told to stop."""
        while not stop.is_set():
            claimed = None
            try:
                claimed = await self.claim()
                if claimed is not None:
                    await self.run(*claimed)
            except Exception as exc:
                if not (isinstance(exc, DBAPIError | OSError) and is_connection_failure(exc)):
                    log.error(
                        "subject access runner failed: %s",
                        type(exc).__name__,
                        exc_info=not isinstance(exc, DBAPIError),
                    )
            if claimed is None:
                self._wake.clear()
                with suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._either(stop), timeout=self.settings.subject_access_poll_seconds
                    )

    async def _either(self, stop: asyncio.Event) -> None:
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waits, return_when="FIRST_COMPLETED")
        finally:
            for waiting in waits:
                waiting.cancel()

    async def claim(self) -> tuple[UUID, str, int] | None:
        """Take the oldest export with work to do whose lease is free."""
        async with self.sessions() as session, session.begin():
            free = (
                select(SubjectAccessExport.id)
                .where(
                    SubjectAccessExport.status.in_(("queued", "running", "bundling")),
                    SubjectAccessExport.lease_expires_at.is_(None)
                    | (SubjectAccessExport.lease_expires_at < func.now()),
                )
                .order_by(SubjectAccessExport.created_at)
                .limit(1)
                .with_for_update(skip_locked=True)
                .scalar_subquery()
            )
            row = (
                await session.execute(
                    update(SubjectAccessExport)
                    .where(SubjectAccessExport.id == free)
                    .values(
                        lease_owner=self.owner,
                        lease_expires_at=func.now() + self.lease,
                        attempts=SubjectAccessExport.attempts + 1,
                    )
                    .returning(
                        SubjectAccessExport.id,
                        SubjectAccessExport.status,
                        SubjectAccessExport.attempts,
                    )
                )
            ).first()
        return None if row is None else (row.id, row.status, row.attempts)

    async def run(self, export_id: UUID, status: str, attempts: int) -> None:
        """Run the claimed export's next step."""
        if attempts > MAX_ATTEMPTS:
            await self._fail(export_id, f"Gave up after {MAX_ATTEMPTS} attempts.")
            return
        try:
            if status == "bundling":
                await self.bundle(export_id)
            else:
                await self.gather(export_id)
        except JobLost:
            log.info("subject access export %s is no longer this runner's", export_id)
        except LayoutProcessDied:
            # Killed, or out of memory: laying it out again would likely end the same way.
            log.error("subject access export %s: its layout process died", export_id)
            await self._fail(
                export_id,
                "The process laying out the bundle stopped before it finished (it may have"
                " run out of memory).",
            )
        except Exception as exc:
            if isinstance(exc, DBAPIError | OSError) and is_connection_failure(exc):
                raise
            # The type, not the message: a database error's detail can quote a row's values.
            log.error(
                "subject access export %s stopped by %s",
                export_id,
                type(exc).__name__,
                exc_info=not isinstance(exc, DBAPIError),
            )
            await self._fail(export_id, "An unexpected error stopped the export.")

    async def _hold(self, session: AsyncSession, export_id: UUID, **values: object) -> None:
        """Renew the lease (and set `values`) only if this runner still holds it."""
        held = await session.scalar(
            update(SubjectAccessExport)
            .where(
                SubjectAccessExport.id == export_id,
                SubjectAccessExport.lease_owner == self.owner,
            )
            .values({"lease_expires_at": func.now() + self.lease, **values})
            .returning(SubjectAccessExport.id)
        )
        if held is None:
            raise JobLost()

    async def _flush(self, session: AsyncSession, writer: ItemWriter) -> None:
        items, redactions = writer.take()
        await repository.add_items(session, items)
        await repository.add_redactions(session, redactions)

    async def gather(self, export_id: UUID) -> None:
        """Gather every record about the subject, a case per transaction, marking as it goes."""
        async with self.sessions() as session, session.begin():
            export = await repository.load_export_or_404(session, export_id)
            request = await repository.load_request_or_404(session, export.request_id)
            await repository.forget_found(session, export_id)
            people = [
                KnownPerson(
                    row.id,
                    row.given_name,
                    row.family_name,
                    row.preferred_name,
                    row.family_id == request.family_id,
                )
                for row in await repository.known_people(session)
            ]
            marker = Marker.for_subject(
                request.person_id, people, await repository.professional_names(session)
            )
            writer = ItemWriter(export_id, marker)
            subject = await repository.load_person(session, request.person_id)
            assert subject is not None
            writer.add(
                unit=WORKBOOK,
                kind="person",
                record_id=str(subject.id),
                case_id=None,
                occurred_at=subject.created_at,
                title="Personal details held",
                author=None,
                sections=person_sections(
                    subject, await repository.identifiers_of(session, subject.id)
                ),
            )
            cases = await repository.family_cases(session, request.family_id)
            remote = [SubjectRecords.model_validate(part) for part in export.remote_records]
            await self._flush(session, writer)
            await self._hold(
                session,
                export_id,
                status="running",
                cases_total=len(cases),
                cases_done=0,
                items_found=writer.position,
            )
        for done, case in enumerate(cases, start=1):
            writer.add(
                unit=WORKBOOK,
                kind="case",
                record_id=str(case.id),
                case_id=case.id,
                occurred_at=case.opened_at,
                title=f"{case.kind.replace('_', ' ').capitalize()} involvement",
                author=None,
                sections=case_sections(case),
            )
            await self._gather_case(export_id, case.id, writer, done)
        async with self.sessions() as session, session.begin():
            for answer in remote:
                for record in answer.records:
                    writer.add_remote(answer.unit, record)
            await self._flush(session, writer)
            await self._hold(
                session,
                export_id,
                status="in_review",
                items_found=writer.position,
                lease_owner=None,
                lease_expires_at=None,
                attempts=0,
                finished_at=func.now(),
            )
        log.info("subject access export %s gathered", export_id)

    async def _gather_case(
        self, export_id: UUID, case_id: UUID, writer: ItemWriter, done: int
    ) -> None:
        """A case's entries, then what other units put on its chronology, a batch per
        transaction: a family with a long record must not hold one transaction open for the
        whole of it (the change feeds wait for the oldest transaction open anywhere)."""
        after = None
        while True:
            async with self.sessions() as session, session.begin():
                batch = await repository.entries_after(session, case_id, after)
                for entry in batch:
                    writer.add_entry(entry)
                last = len(batch) < repository.ENTRY_BATCH
                if last:
                    for event in await repository.chronology_of_case(session, case_id):
                        writer.add_chronology(event)
                await self._flush(session, writer)
                await self._hold(
                    session,
                    export_id,
                    cases_done=done if last else done - 1,
                    items_found=writer.position,
                )
            if last:
                return
            after = (batch[-1].event_at, batch[-1].id)
            await asyncio.sleep(0)

    async def bundle(self, export_id: UUID) -> None:
        """Lay out the reviewed export as the PDF and the JSON, and keep them with their hashes."""
        async with self.sessions() as session:
            export = await repository.load_export_or_404(session, export_id)
            request = await repository.load_request_or_404(session, export.request_id)
            subject = await repository.load_person(session, request.person_id)
            assert subject is not None
            items = await repository.all_items(session, export_id)
            confirmed = await repository.applied_redactions(session, export_id)
            produced_at = await session.scalar(select(func.now()))
            assert produced_at is not None
        cover = Cover(
            request.id,
            f"{subject.given_name} {subject.family_name}",
            request.requester_name,
            request.received_on,
            request.extended_due_on or request.due_on,
            produced_at,
        )

        # In a child process: laying out thousands of pages must not stall this process.
        pdf, document = await self.layout.run(lay_out, cover, gathered(items, confirmed))
        async with self.sessions() as session, session.begin():
            await self._hold(
                session,
                export_id,
                status="bundled",
                lease_owner=None,
                lease_expires_at=None,
                finished_at=func.now(),
            )
            session.add(
                SubjectAccessBundle(
                    export_id=export_id,
                    pdf=pdf,
                    pdf_sha256=hashlib.sha256(pdf).hexdigest(),
                    json_document=document,
                    json_sha256=hashlib.sha256(document).hexdigest(),
                    items=len(items),
                    redactions=len(confirmed),
                    produced_by_id=export.bundle_requested_by_id or export.started_by_id,
                    produced_at=produced_at,
                )
            )
        log.info("subject access export %s bundled", export_id)

    async def _fail(self, export_id: UUID, failure: str) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(SubjectAccessExport)
                .where(
                    SubjectAccessExport.id == export_id,
                    SubjectAccessExport.lease_owner == self.owner,
                )
                .values(
                    status="failed",
                    failure=failure,
                    lease_owner=None,
                    lease_expires_at=None,
                    finished_at=func.now(),
                )
            )


def export_runner_hook() -> LifespanHook:
    """An `on_startup` hook that runs the subject access runner beside the workbook."""

    async def start(app: FastAPI, stack: AsyncExitStack) -> None:
        settings: WorkbookSettings = app.state.settings
        engine: AsyncEngine = create_engine(
            settings, application_name="fsm-workbook-subject-access", pool_size=1, max_overflow=1
        )
        stack.push_async_callback(engine.dispose)
        runner = ExportRunner(create_sessionmaker(engine), settings, app.state.layout_processes)
        app.state.subject_access_runner = runner
        await run_in_background(
            stack,
            runner.run_forever,
            name="subject-access-runner",
            grace_seconds=10,
            wake=runner.wake,
        )

    return start
