"""Reading a change feed: pages after a cursor, in commit order, as the caller may see them.

Commit order. Capture triggers stamp every log row with its transaction's id (`txid`). Ids are
handed out when a transaction first writes, not when it commits, so a row with a smaller
position or txid may commit after one with a larger: a cursor that only remembered "the last
position read" would pass over it for good. The feed therefore reads only rows of transactions
older than every transaction still running: `txid < xmin` of the reading statement's snapshot.
Every such transaction has ended, so its rows are committed (and visible) or rolled back (and
gone), and any row that commits later has a txid at or above that xmin, so it sorts after
everything already read in (txid, position) order. A cursor at (txid, position) therefore never
passes a row that is still to come. The price is that a long transaction anywhere in the
database holds the feed back until it ends (statements are bounded by the statement timeout,
idle transactions by idle_in_transaction_session_timeout).

Sight. A cursor names a checkpoint that remembers, besides the position read, which scopes
(cases, families) its holder had in sight and their standing on each (what they may see of
it: a manager sees restricted detail, a reader only the shareable summary). Each read compares
that with the caller's sight now: a scope that left sight (deallocation, a case closed beyond
the rule, break-glass expiry, a manager who left the team) is a departure the unit turns into a
tombstone; a scope that came into sight, or whose standing changed, is read again from the
start of the log (its "floor" is the origin), so the holder gets the whole of it, not only what
changed after the cursor. Checkpoints are immutable once they have told their holder anything,
so reading a cursor again gives the same page again (plus newer changes): a client that lost a
response simply asks again.

Someone who sees everything (the system of record) keeps no sight: nothing leaves it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.audit_ddl import quoted_identifier
from services.change_feed.tables import ChangeTables
from services.errors import ProblemError
from services.pagination import invalid_cursor

Key = tuple[int, int]
ORIGIN: Key = (0, 0)
# The largest position: (txid, LAST) is after every row of transaction txid.
_LAST = 2**63 - 1
DEFAULT_RETENTION = timedelta(days=30)


def cursor_expired() -> ProblemError:
    """The answer to a cursor this feed no longer holds (or never gave this caller)."""
    return ProblemError(
        410,
        "cursor-expired",
        "This cursor is no longer held; read the feed again from the start (no cursor).",
    )


@dataclass(frozen=True)
class Sighted:
    """A scope the caller may see: its kind ("case", "family") and their standing on it."""

    kind: str
    standing: str


@dataclass(frozen=True)
class Sight:
    """The scopes a caller may see now; None means everything (nothing ever leaves it)."""

    scopes: dict[UUID, Sighted] | None

    @classmethod
    def everything(cls) -> Sight:
        return cls(None)


@dataclass(frozen=True)
class Departure:
    """A scope that left the caller's sight (or whose standing changed) since the cursor."""

    scope_id: UUID
    kind: str


@dataclass(frozen=True)
class ChangeRow:
    """A record that changed (or that a scope coming into sight brings), to render."""

    kind: str
    record_id: UUID
    scope_id: UUID
    changed_at: datetime
    # Read because its scope came into sight: the holder never had the record before.
    backfill: bool


@dataclass(frozen=True)
class FeedPage:
    """One page: departures first, then changed records; the cursor to read on from."""

    departed: list[Departure]
    rows: list[ChangeRow]
    next_cursor: str
    more: bool
    # The caller's sight changed in a way the cursor cannot describe: drop everything held.
    reset: bool = False


@dataclass
class _Checkpoint:
    id: UUID | None
    floor: Key
    lagging: dict[UUID, Key] = field(default_factory=dict)
    sight: dict[UUID, Sighted] | None = field(default_factory=dict)


def _parse_cursor(cursor: str) -> UUID:
    try:
        return UUID(cursor)
    except ValueError as exc:
        raise invalid_cursor() from exc


def _sight_json(sight: dict[UUID, Sighted] | None) -> dict[str, list[str]] | None:
    if sight is None:
        return None
    return {str(k): [v.kind, v.standing] for k, v in sight.items()}


def _sight_from(raw: Any) -> dict[UUID, Sighted] | None:
    if raw is None:
        return None
    return {UUID(k): Sighted(v[0], v[1]) for k, v in raw.items()}


class ChangeFeed:
    """One named feed over a unit's change log ("changes", "pull")."""

    def __init__(
        self, tables: ChangeTables, name: str, *, retention: timedelta = DEFAULT_RETENTION
    ) -> None:
        self.log = tables.log
        self.cursors = tables.cursor
        self.name = name
        self.retention = retention
        log_name = f"{quoted_identifier(str(self.log.schema))}.{quoted_identifier(self.log.name)}"
        columns = "c.position, c.txid, c.kind, c.record_id, c.scope_id, c.changed_at"
        # Steady scopes read on from the common floor; lagging ones (just come into sight) from
        # their own, each bounded on its own index range so a newly visible case with a long
        # history costs one page, not its whole history.
        self._steady = (
            f"SELECT {columns}, false AS backfill FROM {log_name} c"  # noqa: S608
            " WHERE c.txid < :xmin AND (c.txid, c.position) > (:floor_txid, :floor_position)"
            " {scope_filter} ORDER BY c.txid, c.position LIMIT :limit"
        )
        self._lagging = (
            f"SELECT {columns}, true AS backfill FROM unnest(CAST(:lag_ids AS uuid[]),"  # noqa: S608
            " CAST(:lag_txids AS bigint[]), CAST(:lag_positions AS bigint[]))"
            " AS l(scope_id, txid, position) CROSS JOIN LATERAL ("
            f" SELECT * FROM {log_name} c WHERE c.scope_id = l.scope_id AND c.txid < :xmin"
            " AND (c.txid, c.position) > (l.txid, l.position)"
            " ORDER BY c.txid, c.position LIMIT :limit) c"
        )

    async def read(
        self,
        session: AsyncSession,
        *,
        subject: str,
        cursor: str | None,
        limit: int,
        sight: Sight,
    ) -> FeedPage:
        """Read the page after `cursor` as a caller with `sight`, and checkpoint where it ends."""
        checkpoint = await self._load(session, subject, cursor, sight)
        reset, departed, entered = self._compare(checkpoint, sight)
        if reset:
            checkpoint = _Checkpoint(checkpoint.id, ORIGIN)
        lagging = {
            scope: key
            for scope, key in checkpoint.lagging.items()
            if sight.scopes is not None and scope in sight.scopes and scope not in entered
        }
        lagging.update(dict.fromkeys(entered, ORIGIN))
        # A floor at or above the common one is no floor of its own.
        lagging = {scope: key for scope, key in lagging.items() if key < checkpoint.floor}
        xmin = int(
            await session.scalar(select(text("pg_snapshot_xmin(pg_current_snapshot())::text"))) or 0
        )
        raw = await self._rows(session, sight, checkpoint.floor, lagging, xmin, limit + 1)
        more = len(raw) > limit
        page = raw[:limit]
        floor, lagging = self._advance(checkpoint.floor, lagging, page, more, xmin)
        rows = _latest_first_seen(page)
        state = _Checkpoint(None, floor, lagging, sight.scopes)
        if checkpoint.id is not None and not (rows or departed or entered or reset):
            # Nothing told: the holder loses nothing if this cursor now starts further on.
            await self._advance_in_place(session, checkpoint.id, state)
            next_id = checkpoint.id
        else:
            next_id = await self._save(session, subject, state)
        await self._forget_old(session, subject)
        departures = [Departure(scope, kind) for scope, kind in departed]
        return FeedPage(departures, rows, str(next_id), more, reset)

    def _compare(
        self, checkpoint: _Checkpoint, sight: Sight
    ) -> tuple[bool, list[tuple[UUID, str]], set[UUID]]:
        """Whether to start over, which scopes departed, which entered (or changed standing)."""
        before, now = checkpoint.sight, sight.scopes
        if (before is None) != (now is None):
            # Between "everything" and a list of scopes: start the holder over from the origin.
            return checkpoint.id is not None, [], set(now or ())
        if before is None or now is None:
            return False, [], set()
        departed = [
            (scope, seen.kind)
            for scope, seen in before.items()
            if scope not in now or now[scope] != seen
        ]
        entered = {scope for scope, seen in now.items() if before.get(scope) != seen}
        return False, departed, entered

    async def _rows(
        self,
        session: AsyncSession,
        sight: Sight,
        floor: Key,
        lagging: dict[UUID, Key],
        xmin: int,
        limit: int,
    ) -> list[Any]:
        params: dict[str, Any] = {
            "xmin": xmin,
            "floor_txid": floor[0],
            "floor_position": floor[1],
            "limit": limit,
        }
        parts: list[str] = []
        if sight.scopes is None:
            parts.append(self._steady.format(scope_filter=""))
        else:
            steady = [scope for scope in sight.scopes if scope not in lagging]
            if steady:
                parts.append(self._steady.format(scope_filter="AND c.scope_id = ANY(:steady)"))
                params["steady"] = steady
        if lagging:
            parts.append(self._lagging)
            params["lag_ids"] = list(lagging)
            params["lag_txids"] = [key[0] for key in lagging.values()]
            params["lag_positions"] = [key[1] for key in lagging.values()]
        if not parts:
            return []
        union = " UNION ALL ".join(f"({part})" for part in parts)
        # Built from this class's own statements; every value is a bound parameter.
        query = f"SELECT * FROM ({union}) AS page ORDER BY txid, position LIMIT :limit"  # noqa: S608
        return list((await session.execute(text(query), params)).all())

    @staticmethod
    def _advance(
        floor: Key, lagging: dict[UUID, Key], page: list[Any], more: bool, xmin: int
    ) -> tuple[Key, dict[UUID, Key]]:
        """Where the next read starts, for the common floor and each lagging scope."""
        if not more:
            # Everything below xmin in sight has been read: every row still to come sorts after.
            return max(floor, (xmin - 1, _LAST)), {}
        last: Key = (page[-1].txid, page[-1].position)
        new_floor = max(floor, last)
        moved = {scope: max(key, last) for scope, key in lagging.items()}
        return new_floor, {scope: key for scope, key in moved.items() if key < new_floor}

    async def _load(
        self, session: AsyncSession, subject: str, cursor: str | None, sight: Sight
    ) -> _Checkpoint:
        if cursor is None:
            return _Checkpoint(None, ORIGIN, {}, {} if sight.scopes is not None else None)
        checkpoint_id = _parse_cursor(cursor)
        c = self.cursors.c
        row = (
            await session.execute(
                select(c.txid, c.position, c.lagging, c.sight).where(
                    c.id == checkpoint_id,
                    c.feed == self.name,
                    c.subject == subject,
                    c.issued_at >= func.now() - self.retention,
                )
            )
        ).one_or_none()
        if row is None:
            raise cursor_expired()
        lagging = {UUID(k): (int(v[0]), int(v[1])) for k, v in row.lagging.items()}
        return _Checkpoint(checkpoint_id, (row.txid, row.position), lagging, _sight_from(row.sight))

    def _values(self, state: _Checkpoint) -> dict[str, Any]:
        return {
            "txid": state.floor[0],
            "position": state.floor[1],
            "lagging": {str(k): [v[0], v[1]] for k, v in state.lagging.items()},
            "sight": _sight_json(state.sight),
        }

    async def _save(self, session: AsyncSession, subject: str, state: _Checkpoint) -> UUID:
        checkpoint_id = uuid.uuid4()
        await session.execute(
            insert(self.cursors).values(
                id=checkpoint_id, feed=self.name, subject=subject, **self._values(state)
            )
        )
        return checkpoint_id

    async def _advance_in_place(
        self, session: AsyncSession, checkpoint_id: UUID, state: _Checkpoint
    ) -> None:
        await session.execute(
            update(self.cursors)
            .where(self.cursors.c.id == checkpoint_id)
            .values(issued_at=func.now(), **self._values(state))
        )

    async def _forget_old(self, session: AsyncSession, subject: str) -> None:
        c = self.cursors.c
        await session.execute(
            delete(self.cursors).where(
                c.subject == subject,
                c.feed == self.name,
                c.issued_at < func.now() - self.retention,
            )
        )


def _latest_first_seen(page: list[Any]) -> list[ChangeRow]:
    """One row per record and scope, in the order of its last change on the page.

    A record filed under several scopes (a meeting under each case on its agenda) comes once
    per scope: each is dropped with its own scope's tombstone.
    """
    latest: dict[tuple[str, UUID, UUID], Any] = {}
    for row in page:
        key = (row.kind, row.record_id, row.scope_id)
        latest.pop(key, None)
        latest[key] = row
    return [
        ChangeRow(row.kind, row.record_id, row.scope_id, row.changed_at, bool(row.backfill))
        for row in latest.values()
    ]
