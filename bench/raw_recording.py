"""The recording benchmark's baseline: the same durable work as creating an entry, raw asyncpg.

Each transaction inserts an entry, its revision, an outbox event and an audit row that carries
a SHA-256 of its content and of the previous audit row's hash, the chain head locked
(`SELECT ... FOR UPDATE`) just before commit, as the request path used to chain its audit rows.
The rows are copies of the ones a real `POST /cases/{id}/entries` wrote (so the column sizes are
realistic) into a scratch schema whose tables are `LIKE ... INCLUDING ALL` copies of the
workbook's: the same defaults, checks, generated search vectors and indexes, with foreign keys
to the case and episode as the real tables have. No ORM, no HTTP, no access checks: what is
left is what PostgreSQL and the driver must do for the same durable result.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Final

import asyncpg  # type: ignore[import-untyped]

SCHEMA: Final = "bench_raw"
CONNECTIONS: Final = 8
GENESIS: Final = "0" * 64

_SCRATCH_DDL: Final = (
    f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE",
    f"CREATE SCHEMA {SCHEMA}",
    f"CREATE TABLE {SCHEMA}.entry (LIKE workbook.entry INCLUDING ALL)",
    f"ALTER TABLE {SCHEMA}.entry ADD FOREIGN KEY (case_id)"
    " REFERENCES workbook.safeguarding_case (id)",
    f"ALTER TABLE {SCHEMA}.entry ADD FOREIGN KEY (episode_id) REFERENCES workbook.episode (id)",
    f"CREATE TABLE {SCHEMA}.entry_revision (LIKE workbook.entry_revision INCLUDING ALL)",
    f"ALTER TABLE {SCHEMA}.entry_revision ADD FOREIGN KEY (entry_id)"
    f" REFERENCES {SCHEMA}.entry (id)",
    f"CREATE TABLE {SCHEMA}.outbox_event (LIKE workbook.outbox_event INCLUDING ALL)",
    f"""
    CREATE TABLE {SCHEMA}.audit_log (
        seq bigint PRIMARY KEY, id uuid NOT NULL UNIQUE,
        occurred_at timestamptz NOT NULL DEFAULT now(), actor_subject text NOT NULL,
        actor_practitioner_id uuid, action text NOT NULL, resource_type text NOT NULL,
        resource_id text, case_id uuid, purpose text NOT NULL, outcome text NOT NULL,
        request_id text NOT NULL, details jsonb NOT NULL, prev_hash text NOT NULL,
        hash text NOT NULL)
    """,
    f"CREATE INDEX ON {SCHEMA}.audit_log (case_id, seq)",
    f"CREATE INDEX ON {SCHEMA}.audit_log (actor_subject, seq)",
    f"CREATE TABLE {SCHEMA}.audit_head (one boolean PRIMARY KEY, seq bigint, hash text)",
    f"INSERT INTO {SCHEMA}.audit_head VALUES (true, 0, '{GENESIS}')",  # noqa: S608
)
_AUDIT_COLUMNS: Final = (
    "actor_subject",
    "actor_practitioner_id",
    "action",
    "resource_type",
    "resource_id",
    "case_id",
    "purpose",
    "outcome",
    "request_id",
    "details",
)


@dataclass(frozen=True)
class Template:
    """The rows one real entry creation wrote, to be copied with fresh ids."""

    entry: dict[str, Any]
    revision: dict[str, Any]
    event: dict[str, Any]
    audit: dict[str, Any]


async def _insertable(conn: asyncpg.Connection, table: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = 'workbook' AND table_name = $1"
        " AND is_generated = 'NEVER' AND is_identity = 'NO' ORDER BY ordinal_position",
        table,
    )
    return [row["column_name"] for row in rows]


async def _one(conn: asyncpg.Connection, table: str, where: str, arg: Any) -> dict[str, Any]:
    columns = await _insertable(conn, table)
    row = await conn.fetchrow(
        f"SELECT {', '.join(columns)} FROM workbook.{table} WHERE {where} LIMIT 1",  # noqa: S608
        arg,
    )
    if row is None:
        raise RuntimeError(f"no {table} row to copy")
    return dict(row)


async def load_template(dsn: str, entry_id: str) -> Template:
    """Read the rows the workbook wrote for one created entry and prepare the scratch schema."""
    conn = await asyncpg.connect(dsn)
    try:
        await _set_codecs(conn)
        entry = await _one(conn, "entry", "id = $1", uuid.UUID(entry_id))
        revision = await _one(conn, "entry_revision", "entry_id = $1", uuid.UUID(entry_id))
        event = await _one(conn, "outbox_event", "data->>'entry_id' = $1", entry_id)
        audit = await conn.fetchrow(
            f"SELECT {', '.join(_AUDIT_COLUMNS)} FROM workbook.audit_log"  # noqa: S608
            " WHERE resource_id = $1 AND action = 'create' LIMIT 1",
            entry_id,
        )
        if audit is None:
            raise RuntimeError("no audit row to copy")
        for statement in _SCRATCH_DDL:
            await conn.execute(statement)
    finally:
        await conn.close()
    return Template(entry, revision, event, dict(audit))


async def _set_codecs(conn: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


def _insert_sql(table: str, columns: list[str]) -> str:
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    return f"INSERT INTO {SCHEMA}.{table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608


def _audit_hash(prev_hash: str, seq: int, audit_id: uuid.UUID, audit: dict[str, Any]) -> str:
    parts = [prev_hash, str(seq), str(audit_id)]
    parts += ["" if audit[c] is None else str(audit[c]) for c in _AUDIT_COLUMNS[:-1]]
    parts.append(json.dumps(audit["details"], sort_keys=True))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


async def _worker(dsn: str, template: Template, deadline: float, done: list[int]) -> None:
    conn = await asyncpg.connect(dsn)
    await _set_codecs(conn)
    entry_cols, rev_cols = list(template.entry), list(template.revision)
    event_cols = list(template.event)
    insert_entry = _insert_sql("entry", entry_cols)
    insert_rev = _insert_sql("entry_revision", rev_cols)
    insert_event = _insert_sql("outbox_event", event_cols)
    insert_audit = _insert_sql("audit_log", ["seq", "id", *_AUDIT_COLUMNS, "prev_hash", "hash"])
    try:
        while time.perf_counter() < deadline:
            entry_id = uuid.uuid4()
            entry = {**template.entry, "id": entry_id}
            revision = {**template.revision, "id": uuid.uuid4(), "entry_id": entry_id}
            event = {
                **template.event,
                "id": uuid.uuid4(),
                "data": {**template.event["data"], "entry_id": str(entry_id)},
            }
            audit = {**template.audit, "resource_id": str(entry_id)}
            async with conn.transaction():
                await conn.execute(insert_entry, *(entry[c] for c in entry_cols))
                await conn.execute(insert_rev, *(revision[c] for c in rev_cols))
                await conn.execute(insert_event, *(event[c] for c in event_cols))
                # The chain lock last, so it is held only for the insert and the commit.
                head = await conn.fetchrow(
                    f"SELECT seq, hash FROM {SCHEMA}.audit_head FOR UPDATE"  # noqa: S608
                )
                seq, audit_id = head["seq"] + 1, uuid.uuid4()
                digest = _audit_hash(head["hash"], seq, audit_id, audit)
                await conn.execute(
                    insert_audit,
                    seq,
                    audit_id,
                    *(audit[c] for c in _AUDIT_COLUMNS),
                    head["hash"],
                    digest,
                )
                await conn.execute(
                    f"UPDATE {SCHEMA}.audit_head SET seq = $1, hash = $2",  # noqa: S608
                    seq,
                    digest,
                )
            done.append(1)
    finally:
        await conn.close()


async def transactions_per_second(dsn: str, template: Template, seconds: float) -> float:
    """Run CONNECTIONS connections in closed loops for `seconds`; return committed per second."""
    warm: list[int] = []
    await asyncio.gather(
        *(_worker(dsn, template, time.perf_counter() + 0.5, warm) for _ in range(CONNECTIONS))
    )
    done: list[int] = []
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_worker(dsn, template, deadline, done) for _ in range(CONNECTIONS)))
    return len(done) / (time.perf_counter() - started)


async def drop_scratch(dsn: str) -> None:
    """Remove the scratch schema."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    finally:
        await conn.close()
