"""The access log's CSV export across every unit, streamed in bounded memory.

The JSON listing merges one page from every unit and starts again from the merged cursor; an
export of a million rows that way would ask every unit for five times the rows it gives. Here
each unit is read on with its own cursor, a page at a time, and the pages are merged a row at a
time by the listing's order (occurred_at, unit rank, position; `merge.py`): a unit is asked
again only when the rows it gave have all been written. Memory holds one page per unit,
whatever the size of the export, and every row is read once.

Who sees which rows, and the filters, are the listing's own: each unit answers as the caller
with its own rule (services/access_log/), the gateway's directory log is read here. The first
pages are read before the response starts, so a unit that cannot answer is a clean 503; one
that fails later cuts the file short, which the client sees as an incomplete body and the
audit record as `complete: false`. The gateway's own reads end their transaction at each page
(a transaction held open for a long download would hold back every change feed).
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

import anyio
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from gateway.access_log.sources import RANKS, LogQuestion, backend_page, own_page
from gateway.proxy import Proxy
from services.access_log.schemas import CSV_COLUMNS, AccessLogEntry, csv_cells
from services.csv_export import csv_line
from services.errors import ProblemError
from services.kernel_tables import KernelTables
from services.pagination import MAX_LIMIT
from services.registry import GATEWAY
from services.streamed_export import ExportOutcome, StreamedExport

# Rows written to the response at a time.
CHUNK_ROWS = 500


@dataclass
class _UnitRows:
    """What one unit gave and has not been written yet, and its cursor for the rest."""

    unit: str
    buffer: deque[AccessLogEntry] = field(default_factory=deque)
    cursor: str | None = None
    asked: bool = False

    @property
    def waiting(self) -> bool:
        """Its rows ran out and it has more (or was never asked)."""
        return not self.buffer and (not self.asked or self.cursor is not None)

    def order(self) -> tuple[datetime, int, int]:
        """Its next row's place in the merged order (the greatest goes first)."""
        row = self.buffer[0]
        return row.occurred_at, RANKS[row.unit], row.position


class MergedLog:
    """Every unit's rows for one question, merged newest first, read a page per unit at a time."""

    def __init__(
        self, kernel: KernelTables, proxy: Proxy, question: LogQuestion, page_size: int = MAX_LIMIT
    ) -> None:
        self._kernel = kernel
        self._proxy = proxy
        self._question = question
        self._page_size = page_size
        self._units = [_UnitRows(unit) for unit in RANKS]

    async def fill(self, session: AsyncSession) -> None:
        """Ask every unit whose rows ran out for its next page, all at once."""
        waiting = [rows for rows in self._units if rows.waiting]
        failures: list[ProblemError] = []

        async def ask(rows: _UnitRows) -> None:
            try:
                items, rows.cursor = await backend_page(
                    self._proxy, rows.unit, self._question, rows.cursor, self._page_size
                )
            except ProblemError as failure:
                # Kept, not raised: a task group would wrap it in an exception group.
                failures.append(failure)
                return
            rows.buffer.extend(items)
            rows.asked = True

        async with anyio.create_task_group() as group:
            for rows in waiting:
                if rows.unit != GATEWAY.name:
                    group.start_soon(ask, rows)
            for rows in waiting:
                if rows.unit == GATEWAY.name:
                    items, rows.cursor = await own_page(
                        session, self._kernel, self._question, rows.cursor, self._page_size
                    )
                    rows.buffer.extend(items)
                    rows.asked = True
        if failures:
            raise failures[0]

    async def rows(
        self, session: AsyncSession, *, end_reads: bool
    ) -> AsyncIterator[AccessLogEntry]:
        """Every row, newest first; `end_reads` ends the session's transaction after each
        read of the gateway's own log."""
        while True:
            if any(rows.waiting for rows in self._units):
                await self.fill(session)
                if end_reads:
                    await session.commit()
            ready = [rows for rows in self._units if rows.buffer]
            if not ready:
                return
            yield max(ready, key=_UnitRows.order).buffer.popleft()


class AccessLogExport(StreamedExport):
    """The merged log as CSV, on the connection the request handed over."""

    def __init__(
        self, connection: AsyncConnection, outcome: ExportOutcome, merged: MergedLog
    ) -> None:
        super().__init__(connection, outcome)
        self._merged = merged

    async def lines(self, session: AsyncSession) -> AsyncIterator[bytes]:
        yield csv_line(CSV_COLUMNS).encode()
        chunk: list[str] = []
        async for entry in self._merged.rows(session, end_reads=True):
            chunk.append(csv_line(csv_cells(entry)))
            if len(chunk) == CHUNK_ROWS:
                yield "".join(chunk).encode()
                self.rows += len(chunk)
                chunk = []
        if chunk:
            yield "".join(chunk).encode()
            self.rows += len(chunk)
