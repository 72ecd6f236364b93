"""The audit log: append-only in the database, sealed into a chain, verified in Python."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import Table, Text, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from starlette.types import ASGIApp, Receive, Scope, Send

from services.audit import AuditEvent, audit_outside_request, write_audit
from services.audit_chain import format_occurred_at, row_hash, verify_all, verify_chain
from services.auditing import audit
from services.db import create_sessionmaker, install_database_handlers
from services.errors import NotFound, ProblemError, install_problem_handlers
from services.kernel_tables import GENESIS_HASH
from services.outbox import publish
from services.principal import Principal, attach_principal
from services.registry import UNITS
from services.request_context import RequestContextMiddleware
from services.settings import async_database_url
from services.unit_of_work import DbSession
from tests.support.audit import scratch_audit_log, seal
from workbook_api.models import kernel

AUDIT = kernel.audit_log


@pytest.fixture(scope="module")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine with room for the concurrent-writer test."""
    engine = create_async_engine(async_database_url(database_url), pool_size=5, max_overflow=25)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(engine)


@pytest.fixture
async def scratch_audit(engine: AsyncEngine) -> AsyncIterator[Table]:
    """A throwaway schema with its own guarded audit log, so tampering touches no shared chain."""
    async with scratch_audit_log(engine) as table:
        yield table


def event(n: int = 0, **overrides: Any) -> AuditEvent:
    fields: dict[str, Any] = {
        "action": "read",
        "resource_type": "case",
        "resource_id": str(uuid.uuid4()),
        "case_id": uuid.uuid4(),
        "purpose": "direct_work",
        "details": {"n": n, "fields": ["status"]},
    }
    fields.update(overrides)
    return AuditEvent(**fields)


async def fill(engine: AsyncEngine, table: Table, count: int) -> None:
    """Write `count` events in one transaction and seal them."""
    async with create_sessionmaker(engine)() as session, session.begin():
        await write_audit(
            session,
            table,
            actor=f"test|{uuid.uuid4().hex[:8]}",
            request_id="req-fill-0001",
            events=[event(i) for i in range(count)],
        )
    await seal(engine, table)


async def test_written_events_form_a_chain_that_verifies(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], make_principal: Any
) -> None:
    principal: Principal = make_principal()
    async with sessions() as session, session.begin():
        positions = await write_audit(
            session,
            AUDIT,
            actor=principal,
            request_id="req-chain-0001",
            events=[event(1), event(2, outcome="denied"), event(3, resource_id=None)],
        )
    await seal(engine, AUDIT)
    async with sessions() as session:
        rows = (
            await session.execute(
                select(AUDIT).where(AUDIT.c.position.in_(positions)).order_by(AUDIT.c.seq)
            )
        ).all()
        report = await verify_chain(session, AUDIT)
    seqs = [r.seq for r in rows]
    assert seqs == [seqs[0], seqs[0] + 1, seqs[0] + 2]
    assert [r.position for r in rows] == positions
    assert [r.actor_practitioner_id for r in rows] == [principal.practitioner_id] * 3
    assert rows[1].prev_hash == rows[0].hash
    assert rows[2].prev_hash == rows[1].hash
    assert report.ok, report
    assert report.checked >= 3


async def test_concurrent_writers_get_contiguous_seqs_and_a_valid_chain(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async def writer(i: int) -> list[int]:
        async with sessions() as session, session.begin():
            first = await write_audit(
                session,
                AUDIT,
                actor=f"writer|{i}",
                request_id=f"req-writer-{i:04d}",
                events=[event(i)],
            )
            await asyncio.sleep(0.005)  # let other writers interleave their inserts
            rest = await write_audit(
                session,
                AUDIT,
                actor=f"writer|{i}",
                request_id=f"req-writer-{i:04d}",
                events=[event(i), event(i)],
            )
        return first + rest

    written = await asyncio.gather(*(writer(i) for i in range(20)))
    await seal(engine, AUDIT)
    async with sessions() as session:
        seq_of = dict(
            (
                await session.execute(
                    select(AUDIT.c.position, AUDIT.c.seq).where(
                        AUDIT.c.position.in_([p for positions in written for p in positions])
                    )
                )
            ).all()
        )
    results = [[seq_of[p] for p in positions] for positions in written]
    # One transaction's rows are adjacent: the sealer keeps a transaction's rows together.
    for seqs in results:
        assert seqs == list(range(seqs[0], seqs[0] + 3))
    everything = sorted(s for seqs in results for s in seqs)
    assert everything == list(range(everything[0], everything[0] + 60))
    async with sessions() as session:
        report = await verify_chain(session, AUDIT, batch=17)
    assert report.ok, report


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE workbook.audit_log SET purpose = 'rewritten'"
        " WHERE seq = (SELECT max(seq) FROM workbook.audit_log)",
        "DELETE FROM workbook.audit_log WHERE seq = (SELECT max(seq) FROM workbook.audit_log)",
        "TRUNCATE workbook.audit_log",
    ],
    ids=["update", "delete", "truncate"],
)
async def test_database_refuses_changes_to_the_audit_log(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], statement: str
) -> None:
    await fill(engine, AUDIT, 1)
    async with sessions() as session:
        with pytest.raises(DBAPIError) as raised:
            await session.execute(text(statement))
        await session.rollback()
    assert "append-only" in str(raised.value.orig)
    assert getattr(raised.value.orig, "sqlstate", None) == "42501"


async def test_python_timestamp_form_equals_the_triggers(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], scratch_audit: Table
) -> None:
    instants = [
        datetime(2024, 3, 31, 0, 59, 59, 999_999, tzinfo=UTC),
        datetime(2024, 3, 31, 2, 0, 0, 0, tzinfo=timezone(timedelta(hours=1))),
        datetime(2000, 2, 29, 23, 59, 59, 1, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
        datetime(1999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=14))),
        datetime(2038, 1, 19, 3, 14, 8, 500_000, tzinfo=UTC),
    ]
    async with sessions() as session, session.begin():
        for instant in instants:
            await session.execute(
                scratch_audit.insert().values(
                    id=uuid.uuid4(),
                    occurred_at=instant,
                    actor_subject="test|time",
                    action="read",
                    resource_type="case",
                    purpose="check",
                    outcome="success",
                    request_id="req-time-0001",
                    details={"é": "ü\u001f", "n": 1.50, "big": 10**20, "nested": {"b": [1, None]}},
                )
            )
    await seal(engine, scratch_audit)
    fmt = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    scratch_audit.c.occurred_at,
                    func.to_char(func.timezone("UTC", scratch_audit.c.occurred_at), fmt),
                ).order_by(scratch_audit.c.seq)
            )
        ).all()
        report = await verify_chain(conn, scratch_audit)
    assert [format_occurred_at(r[0]) for r in rows] == [r[1] for r in rows]
    assert report.ok, report
    assert report.checked == len(instants)


TAMPERING = {
    "details-changed": ("UPDATE {t} SET details = '{{\"n\": 99}}' WHERE seq = 5", 5, "hash"),
    "actor-changed": ("UPDATE {t} SET actor_subject = 'someone|else' WHERE seq = 3", 3, "hash"),
    "time-changed": (
        "UPDATE {t} SET occurred_at = occurred_at - interval '1 day' WHERE seq = 2",
        2,
        "hash",
    ),
    "row-deleted": ("DELETE FROM {t} WHERE seq = 4", 4, "missing"),
    "rows-swapped": (
        "UPDATE {t} SET seq = -1 WHERE seq = 6; UPDATE {t} SET seq = 6 WHERE seq = 7;"
        " UPDATE {t} SET seq = 7 WHERE seq = -1",
        6,
        "prev_hash",
    ),
    "first-row-deleted": ("DELETE FROM {t} WHERE seq = 1", 1, "missing"),
    "hash-overwritten": ("UPDATE {t} SET hash = repeat('a', 64) WHERE seq = 8", 8, "hash"),
}


@pytest.mark.parametrize("case", list(TAMPERING), ids=list(TAMPERING))
async def test_tampering_is_reported_at_the_first_broken_seq(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    scratch_audit: Table,
    case: str,
) -> None:
    await fill(engine, scratch_audit, 10)
    statements, broken_seq, reason_word = TAMPERING[case]
    qualified = f'"{scratch_audit.schema}".audit_log'
    async with engine.connect() as conn:
        transaction = await conn.begin()
        # Only a superuser can do this, and only by switching the guards off first.
        await conn.exec_driver_sql(f"ALTER TABLE {qualified} DISABLE TRIGGER USER")
        for statement in statements.format(t=qualified).split(";"):
            await conn.exec_driver_sql(statement)
        tampered = await verify_chain(conn, scratch_audit, batch=3)
        await transaction.rollback()
    assert tampered.first_broken_seq == broken_seq, tampered
    assert reason_word in (tampered.reason or "")
    async with engine.connect() as conn:
        restored = await verify_chain(conn, scratch_audit, batch=3)
    assert restored.ok, restored
    assert restored.checked == 10


async def test_rehashed_row_breaks_the_next_link(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], scratch_audit: Table
) -> None:
    await fill(engine, scratch_audit, 8)
    qualified = f'"{scratch_audit.schema}".audit_log'
    async with engine.connect() as conn:
        transaction = await conn.begin()
        await conn.exec_driver_sql(f"ALTER TABLE {qualified} DISABLE TRIGGER USER")
        await conn.execute(
            scratch_audit.update().where(scratch_audit.c.seq == 5).values(purpose="covered")
        )
        # A careful forger recomputes the row's own hash; the next row still points at the old one.
        row = (
            await conn.execute(
                select(
                    scratch_audit, scratch_audit.c.details.cast(Text).label("details_text")
                ).where(scratch_audit.c.seq == 5)
            )
        ).one()
        forged = row_hash(row, row.prev_hash)
        await conn.execute(
            scratch_audit.update().where(scratch_audit.c.seq == 5).values(hash=forged)
        )
        report = await verify_chain(conn, scratch_audit)
        await transaction.rollback()
    assert report.first_broken_seq == 6, report
    assert "prev_hash" in (report.reason or "")


async def test_empty_chain_verifies(engine: AsyncEngine, scratch_audit: Table) -> None:
    async with engine.connect() as conn:
        report = await verify_chain(conn, scratch_audit)
    assert report.ok
    assert report.checked == 0
    assert report.head_hash == GENESIS_HASH


async def test_verify_all_covers_every_unit(database_url: str, engine: AsyncEngine) -> None:
    await fill(engine, AUDIT, 2)
    reports = await verify_all(database_url)
    assert set(reports) == {unit.schema for unit in UNITS}
    assert all(r.ok for r in reports.values()), reports
    assert reports["workbook"].checked >= 2


async def test_separator_in_a_field_is_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        with pytest.raises(ValueError, match="unit separator"):
            await write_audit(
                session, AUDIT, actor="evil|\x1fx", request_id="req-sep-0001", events=[event()]
            )


# --- audit() inside a request's unit of work -------------------------------------------------


class _AsPrincipal:
    """Put a fixed principal on the scope, standing in for the internal-token middleware."""

    def __init__(self, app: ASGIApp, principal: Principal) -> None:
        self.app = app
        self.principal = principal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        attach_principal(scope, self.principal)
        await self.app(scope, receive, send)


def audited_app(engine: AsyncEngine, principal: Principal) -> FastAPI:
    app = FastAPI()
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.kernel = kernel
    install_problem_handlers(app)
    install_database_handlers(app)

    @app.post("/cases/{case_id}/notes", status_code=201)
    async def create_note(
        case_id: uuid.UUID, request: Request, session: DbSession
    ) -> dict[str, str]:
        event_id = await publish(
            session,
            kernel.outbox_event,
            type="uk.gov.fsm.test.note.created",
            source="/workbook",
            subject=str(case_id),
            data={"case_id": case_id},
            team_id=None,
        )
        audit(request, event(action="create", case_id=case_id, resource_id=str(event_id)))
        if request.query_params.get("fail"):
            raise ProblemError(409, "conflict", "Refused after the change was staged.")
        return {"event_id": str(event_id)}

    @app.get("/cases/{case_id}")
    async def read_case(case_id: uuid.UUID, request: Request, session: DbSession) -> None:
        audit(request, event(action="read", case_id=case_id, outcome="not_found"))
        raise NotFound("case")

    app.add_middleware(_AsPrincipal, principal=principal)
    app.add_middleware(RequestContextMiddleware)
    return app


async def audit_rows_for(
    sessions: async_sessionmaker[AsyncSession], case_id: uuid.UUID
) -> list[Any]:
    async with sessions() as session:
        return list((await session.execute(select(AUDIT).where(AUDIT.c.case_id == case_id))).all())


async def test_request_audit_commits_with_the_change(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], make_principal: Any
) -> None:
    principal: Principal = make_principal()
    case_id = uuid.uuid4()
    transport = httpx.ASGITransport(app=audited_app(engine, principal))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post(
            f"/cases/{case_id}/notes", headers={"X-Request-ID": "req-audit-ok-0001"}
        )
    assert response.status_code == 201
    rows = await audit_rows_for(sessions, case_id)
    assert [(r.action, r.outcome, r.request_id) for r in rows] == [
        ("create", "success", "req-audit-ok-0001")
    ]
    assert rows[0].actor_subject == principal.subject
    assert rows[0].resource_id == response.json()["event_id"]


async def test_request_rolled_back_leaves_neither_change_nor_success_audit(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], make_principal: Any
) -> None:
    case_id = uuid.uuid4()
    transport = httpx.ASGITransport(app=audited_app(engine, make_principal()))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post(f"/cases/{case_id}/notes?fail=1")
    assert response.status_code == 409
    assert await audit_rows_for(sessions, case_id) == []
    async with sessions() as session:
        staged = await session.scalar(
            select(func.count()).where(kernel.outbox_event.c.subject == str(case_id))
        )
    assert staged == 0


async def test_denial_is_audited_although_the_request_rolls_back(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], make_principal: Any
) -> None:
    principal: Principal = make_principal()
    case_id = uuid.uuid4()
    transport = httpx.ASGITransport(app=audited_app(engine, principal))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(
            f"/cases/{case_id}", headers={"X-Request-ID": "req-denied-0001"}
        )
    assert response.status_code == 404
    rows = await audit_rows_for(sessions, case_id)
    assert [(r.action, r.outcome, r.actor_subject, r.request_id) for r in rows] == [
        ("read", "not_found", principal.subject, "req-denied-0001")
    ]


async def test_audit_outside_request_writes_its_own_transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    case_id = uuid.uuid4()
    await audit_outside_request(
        sessions,
        AUDIT,
        actor="anonymous",
        request_id="req-outside-0001",
        events=[event(case_id=case_id, outcome="denied", action="break_glass")],
    )
    rows = await audit_rows_for(sessions, case_id)
    assert [(r.action, r.outcome) for r in rows] == [("break_glass", "denied")]


def test_audit_without_a_unit_of_work_fails_loudly() -> None:
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})
    with pytest.raises(RuntimeError, match="unit of work"):
        audit(request, event())
