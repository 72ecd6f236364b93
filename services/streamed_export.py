"""A CSV export streamed on the request's own connection, audited when it ends.

A large export is never held in memory: it is read a batch at a time and written out as it
goes (`StreamingResponse`). Three rules make that safe:

- the request hands its connection on (services/unit_of_work.py) instead of the stream taking
  another after the headers have gone, so a busy pool is a clean 503 before the first byte
  rather than a file cut short under a 200;
- the export is audited when it ends, as complete or broken off and after how many rows,
  because only then is its outcome known (the request's own record waits for it);
- however it ends (finished, failed, the client gone before the first byte), the outcome is
  recorded and the connection returned, once, shielded from the client's cancellation.

A subclass writes `lines(session)`: the file's bytes, a batch at a time, counting its rows in
`self.rows`. A failure after the first byte ends the response without its last chunk, which an
HTTP client reports as an incomplete body, never as a whole file.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from starlette.types import Receive, Scope, Send

from services.audit import ANONYMOUS, write_audit
from services.auditing import RequestAudit
from services.db import session_on
from services.principal import principal_of
from services.request_context import current_request_id

log = logging.getLogger(__name__)

CSV_MEDIA_TYPE = "text/csv"
# Records how an export ended, in the export's own session: (session, rows, complete).
ExportOutcome = Callable[[AsyncSession, int, bool], Awaitable[None]]


def export_outcome(request: Request, **details: Any) -> ExportOutcome:
    """Audit the export when it ends, as the request's own record (which waits for it);
    `details` join the row count and whether the file was complete."""
    trail = RequestAudit.of(request)
    assert trail is not None  # the endpoint is @audited
    trail.note.deferred = True
    actor = principal_of(request.scope) or ANONYMOUS
    request_id = current_request_id()
    table = request.app.state.kernel.audit_log

    async def record(session: AsyncSession, rows: int, complete: bool) -> None:
        event = trail.event(
            "success" if complete else "error", {**details, "rows": rows, "complete": complete}
        )
        await write_audit(session, table, actor=actor, request_id=request_id, events=[event])

    return record


class StreamedExport:
    """An export read on a connection the request handed over (see the module docstring)."""

    def __init__(self, connection: AsyncConnection, outcome: ExportOutcome) -> None:
        self._connection = connection
        self._session = session_on(connection)
        self._outcome = outcome
        self.rows = 0
        self._complete = False
        self._closed = False

    def lines(self, session: AsyncSession) -> AsyncIterator[bytes]:
        """The file's bytes, header first, counting rows in `self.rows`."""
        raise NotImplementedError

    async def stream(self) -> AsyncIterator[bytes]:
        """The whole file; complete only if every batch was written."""
        async for chunk in self.lines(self._session):
            yield chunk
        self._complete = True

    async def close(self) -> None:
        """Record how the export ended and return its connection (once, however it ended)."""
        if self._closed:
            return
        self._closed = True
        # Shielded: a client that hung up cancels the stream, not its audit record or the
        # return of the connection.
        with anyio.CancelScope(shield=True):
            try:
                await self._session.rollback()
                # The record is written like any other: READ COMMITTED, whatever the read used.
                await self._session.connection(
                    execution_options={"isolation_level": "READ COMMITTED"}
                )
                await self._outcome(self._session, self.rows, self._complete)
                await self._session.commit()
            except Exception:
                log.exception("could not record the outcome of an export")
            finally:
                await self._session.close()
                await self._connection.close()


class ExportResponse(StreamingResponse):
    """A streamed CSV export that is closed (audited, connection returned) however it ends."""

    def __init__(self, export: StreamedExport, filename: str) -> None:
        super().__init__(
            export.stream(),
            media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )
        self._export = export

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Even when the client went before the first byte and the stream never started.
            await self._export.close()
