"""One request, one transaction: the unit of work commits before the response is sent.

Everything that must commit with the request's change attaches to the unit of work through
its methods, never through loose keys in the ASGI scope:
- `record(event)` queues an audit event; successes are written just before the commit, and
  refusals (denied, not found) are written in a transaction of their own if it rolls back;
- `before_commit(hook)` runs a hook in the transaction just before it commits (idempotency
  stores the response this way, so the work and its replay record commit together);
- `respond_with(response)` is how the kit's route hands over the response it built;
- `hand_over_connection()` lets a streamed response keep reading on the request's connection
  after the commit, so it never has to take a second one from a busy pool mid-stream;
- `end_reads()` ends a request's transaction while it has written nothing, before slow work
  that needs no database (a call to another unit, a solver), so no transaction, snapshot or lock
  is held across it; `outside_transaction()` does the same around a block, and afterwards the
  request may write in a second transaction, the one it commits in: `on_resume(hook)` takes
  there again what the first held (idempotency claims its key again);
The unit of work checks its connection out itself (rather than leaving it to the session),
which is what lets it hand the connection on. Services and repositories never commit; they
`flush()` when they need ids.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from services.audit import ANONYMOUS, AuditEvent, audit_outside_request, write_audit
from services.db import session_on
from services.db_reach import DatabaseReach
from services.disconnect import aborted_by_client, commit_begins
from services.principal import Principal, principal_of
from services.request_context import current_request_id

log = logging.getLogger(__name__)

BeforeCommit = Callable[[AsyncSession], Awaitable[None]]


def sessionmaker_from(request: Request) -> async_sessionmaker[AsyncSession]:
    """The session factory the app's lifespan put on its state."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return factory


class UnitOfWork:
    """A request's session, the hooks that commit with it, and the response it produced."""

    def __init__(self, request: Request, connection: AsyncConnection) -> None:
        self.request = request
        self.connection = connection
        self.session = session_on(connection)
        self.response: Response | None = None
        self.handed_over = False
        self._audit: list[AuditEvent] = []
        self._before_commit: list[BeforeCommit] = []
        self._on_resume: list[BeforeCommit] = []
        self._resume_pending = False

    @property
    def actor(self) -> Principal | str:
        """Who the audit log names for this request."""
        return principal_of(self.request.scope) or ANONYMOUS

    def record(self, event: AuditEvent) -> None:
        """Queue an audit event to commit with the request (refusals survive a rollback)."""
        self._audit.append(event)

    def before_commit(self, hook: BeforeCommit) -> None:
        """Run `hook(session)` in the request's transaction just before it commits."""
        self._before_commit.append(hook)

    def respond_with(self, response: Response) -> None:
        """Remember the response the request produced (for idempotent replay)."""
        self.response = response

    def hand_over_connection(self) -> AsyncConnection:
        """Keep the connection past the commit; whoever takes it must close it."""
        self.handed_over = True
        return self.connection

    def on_resume(self, hook: BeforeCommit) -> None:
        """Run `hook(session)` first in the transaction that follows `end_reads()`, to take
        again what the first transaction held (a lock, a claim) before anything is written."""
        self._on_resume.append(hook)

    async def end_reads(self) -> None:
        """End the request's transaction before it waits on something else. Its audit events
        and hooks still commit at the end, in the transaction that follows, after the resume
        hooks. Only a transaction that has written nothing may end early: a change committed
        here would commit apart from its audit and its idempotent response."""
        if not self.session.in_transaction():
            return
        # PostgreSQL gives a transaction an id at its first write: none means nothing written.
        written = await self.session.scalar(text("SELECT pg_current_xact_id_if_assigned()"))
        if written is not None or self.session.new or self.session.dirty or self.session.deleted:
            raise RuntimeError("a request that has written cannot end its transaction early")
        await self.session.commit()
        self._resume_pending = bool(self._on_resume)

    async def resume(self) -> None:
        """Begin the request's next transaction with its resume hooks (once, if it ended)."""
        if not self._resume_pending:
            return
        self._resume_pending = False
        for hook in self._on_resume:
            await hook(self.session)

    @asynccontextmanager
    async def outside_transaction(self) -> AsyncIterator[None]:
        """Run the block with no transaction open (see `end_reads`), then resume: what the
        request writes afterwards commits in one short transaction with its audit."""
        await self.end_reads()
        yield
        await self.resume()

    async def commit(self) -> None:
        """Write the queued audit events, run the hooks, commit (uncancelled from here)."""
        await self.resume()
        if self._audit:
            await write_audit(
                self.session,
                self.request.app.state.kernel.audit_log,
                actor=self.actor,
                request_id=current_request_id(),
                events=self._audit,
            )
        for hook in self._before_commit:
            await hook(self.session)
        commit_begins(self.request.scope)  # a client hanging up no longer cancels us
        await self.session.commit()

    async def after_rollback(self) -> None:
        """Record the refusals of a request whose change was rolled back.

        A request cancelled because its client went away (services/disconnect.py) did nothing
        it meant to: its successes are recorded as `aborted`.
        """
        if aborted_by_client(self.request.scope):
            self._audit = [
                replace(e, outcome="aborted") if e.outcome == "success" else e for e in self._audit
            ]
        refusals = [event for event in self._audit if event.outcome != "success"]
        if not refusals:
            return
        try:
            await audit_outside_request(
                sessionmaker_from(self.request),
                self.request.app.state.kernel.audit_log,
                actor=self.actor,
                request_id=current_request_id(),
                events=refusals,
            )
        except Exception:
            # Logged rather than raised: the client must still get the original error.
            log.exception("could not write %d audit events after rollback", len(refusals))


def current_unit_of_work(request: Request) -> UnitOfWork | None:
    """The request's unit of work, once its dependency has run."""
    uow = getattr(request.state, "unit_of_work", None)
    return uow if isinstance(uow, UnitOfWork) else None


def database_reach(request: Request) -> DatabaseReach:
    """The app's bound on reaching its database (set up with its engine by the lifespan)."""
    reach: DatabaseReach | None = getattr(request.app.state, "db_reach", None)
    if reach is None:
        # An app assembled without the kernel's lifespan: the default budget, made once.
        reach = request.app.state.db_reach = DatabaseReach(sessionmaker_from(request))
    return reach


async def unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    """Yield the request's unit of work and commit it before the response is sent."""
    engine: AsyncEngine = request.app.state.engine
    # Reach the database within the request's budget first: 503 at once if it hangs.
    uow = UnitOfWork(request, await database_reach(request).checkout(engine))
    request.state.unit_of_work = uow
    try:
        yield uow
        await uow.commit()
    except BaseException as exc:
        await uow.session.rollback()
        # A request cancelled because its client went away is audited as what happened.
        if isinstance(exc, Exception) or aborted_by_client(request.scope):
            await uow.after_rollback()
        raise
    finally:
        await uow.session.close()
        if not uow.handed_over:
            await uow.connection.close()


# scope="function": the commit happens before the response leaves, so a failed commit
# becomes an error response instead of a lie.
Work = Annotated[UnitOfWork, Depends(unit_of_work, scope="function")]


async def request_session(uow: Work) -> AsyncSession:
    """The request's session, for handlers that need nothing else of the unit of work."""
    return uow.session


DbSession = Annotated[AsyncSession, Depends(request_session, scope="function")]
