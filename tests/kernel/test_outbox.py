"""The outbox, the relay and the inbox: committed events reach each subscriber's effect once."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from pydantic import ValidationError
from sqlalchemy import Column, MetaData, Table, Text, func, select
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from services.errors import ProblemError, install_problem_handlers
from services.events import CloudEvent, sign, webhook_headers
from services.inbox import accept_once, verify_webhook
from services.outbox import publish, revive_dead
from services.relay import (
    OutboxRelay,
    RelaySettings,
    Subscriber,
    backoff_delay,
    relay_lifespan_hook,
)
from services.settings import KernelSettings, async_database_url
from supervision_api.models import kernel as consumer_kernel
from workbook_api.models import kernel

EVENTS = kernel.outbox_event
DELIVERIES = kernel.outbox_delivery
INBOX = consumer_kernel.inbox_event
SECRET = "test-secret-" + "x" * 32

effects_metadata = MetaData(schema="outbox_test")
EFFECTS = Table(
    "effect",
    effects_metadata,
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("subscriber", Text, nullable=False),
)


@pytest.fixture(scope="module")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(async_database_url(database_url), pool_size=5, max_overflow=10)
    async with engine.begin() as conn:
        await conn.exec_driver_sql('CREATE SCHEMA IF NOT EXISTS "outbox_test"')
        await conn.run_sync(effects_metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@dataclass
class Receiver:
    """A consumer service: verifies each delivery, applies its effect once, records what it saw."""

    sessions: async_sessionmaker[AsyncSession]
    received: list[tuple[str, uuid.UUID]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    fail_after_apply: set[uuid.UUID] = field(default_factory=set)
    always_fail: bool = False
    hang: asyncio.Event | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> FastAPI:
        app = FastAPI()
        install_problem_handlers(app)

        @app.post("/hooks/{name}")
        async def receive(name: str, request: Request) -> Response:
            body = await request.body()
            event = verify_webhook(request.headers, body, [SECRET])
            self.received.append((name, event.id))
            self.headers.append(dict(request.headers))
            self.bodies.append(body)
            self.arrived.set()
            if self.hang is not None:
                await self.hang.wait()
            if self.always_fail:
                return Response(status_code=503)
            async with self.sessions() as session, session.begin():
                if await accept_once(session, INBOX, event):
                    await session.execute(
                        EFFECTS.insert().values(event_id=event.id, subscriber=name)
                    )
            if event.id in self.fail_after_apply:
                # Applied and committed, but the acknowledgement is lost.
                self.fail_after_apply.discard(event.id)
                return Response(status_code=500)
            return Response(status_code=204)

        return app

    def count(self, name: str, event_id: uuid.UUID) -> int:
        return self.received.count((name, event_id))


@pytest.fixture
def receiver(sessions: async_sessionmaker[AsyncSession]) -> Receiver:
    return Receiver(sessions)


def unique_prefix() -> str:
    """A type prefix no other test publishes, so leftovers never reach this test's subscribers."""
    return f"uk.gov.fsm.test.t{uuid.uuid4().hex[:12]}."


def subscriber(prefix: str, *, base: str = "http://receiver.test", **kw: Any) -> Subscriber:
    name = kw.pop("name", f"s{uuid.uuid4().hex[:8]}")
    timeout = kw.pop("timeout", 2)
    return Subscriber(
        name=name, url=f"{base}/hooks/{name}", secret=SECRET, types=[prefix], timeout=timeout
    )


def relay_settings(*subscribers: Subscriber, **kw: Any) -> RelaySettings:
    values: dict[str, Any] = {
        "subscribers": list(subscribers),
        "backoff_base_seconds": 0.05,
        "backoff_max_seconds": 0.2,
        "lease_seconds": 5,
        "poll_interval_seconds": 0.05,
    }
    values.update(kw)
    return RelaySettings(**values)


def asgi_client(receiver: Receiver) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver.app()))


async def publish_committed(
    sessions: async_sessionmaker[AsyncSession], event_type: str, **kw: Any
) -> uuid.UUID:
    async with sessions() as session, session.begin():
        return await publish(
            session,
            EVENTS,
            type=event_type,
            source="/workbook",
            subject=kw.get("subject", str(uuid.uuid4())),
            data=kw.get("data", {"case_id": uuid.uuid4(), "count": 1}),
            team_id=kw.get("team_id"),
        )


async def until(
    condition: Callable[[], Awaitable[bool]],
    *,
    step: Callable[[], Awaitable[Any]],
    limit: float = 10,
) -> None:
    deadline = time.monotonic() + limit
    while not await condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await step()
        await asyncio.sleep(0.02)


async def delivery(
    sessions: async_sessionmaker[AsyncSession], event_id: uuid.UUID, name: str
) -> Any:
    async with sessions() as session:
        return (
            await session.execute(
                select(
                    DELIVERIES,
                    func.isfinite(DELIVERIES.c.next_attempt_at).label("finite"),
                    (DELIVERIES.c.next_attempt_at > func.now()).label("in_future"),
                ).where(DELIVERIES.c.event_id == event_id, DELIVERIES.c.subscriber == name)
            )
        ).one_or_none()


async def effects(sessions: async_sessionmaker[AsyncSession], event_id: uuid.UUID) -> int:
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(EFFECTS).where(EFFECTS.c.event_id == event_id)
        )
    return int(count or 0)


async def test_committed_event_is_delivered_signed_as_a_cloudevent(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    prefix = unique_prefix()
    sub = subscriber(prefix)
    team = uuid.uuid4()
    case_id = uuid.uuid4()
    event_id = await publish_committed(
        sessions,
        prefix + "case.opened",
        subject=str(case_id),
        data={"case_id": case_id},
        team_id=team,
    )
    async with asgi_client(receiver) as client:
        relay = OutboxRelay(sessions, kernel, relay_settings(sub), client)
        await until(lambda: _received(receiver, sub.name, event_id), step=relay.run_once)

    assert receiver.count(sub.name, event_id) == 1
    headers, body = receiver.headers[0], receiver.bodies[0]
    assert headers["content-type"] == "application/cloudevents+json"
    assert headers["webhook-id"] == str(event_id)
    # Recomputed here from the Standard Webhooks definition, not with the code under test.
    signed = f"{event_id}.{headers['webhook-timestamp']}.".encode() + body
    digest = hmac.new(SECRET.encode(), signed, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60
    envelope = json.loads(body)
    assert envelope["specversion"] == "1.0"
    assert envelope["id"] == str(event_id)
    assert envelope["type"] == prefix + "case.opened"
    assert envelope["source"] == "/workbook"
    assert envelope["subject"] == str(case_id)
    assert envelope["datacontenttype"] == "application/json"
    assert envelope["data"] == {"case_id": str(case_id)}
    assert envelope["fsmteamid"] == str(team)
    assert datetime.fromisoformat(envelope["time"]).tzinfo is not None
    row = await delivery(sessions, event_id, sub.name)
    assert row.delivered_at is not None
    assert row.attempts == 1
    assert await effects(sessions, event_id) == 1


async def _received(receiver: Receiver, name: str, event_id: uuid.UUID) -> bool:
    return receiver.count(name, event_id) > 0


async def test_event_of_a_rolled_back_transaction_is_never_delivered(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    prefix = unique_prefix()
    sub = subscriber(prefix)
    async with sessions() as session:
        await session.begin()
        doomed = await publish(
            session,
            EVENTS,
            type=prefix + "case.opened",
            source="/workbook",
            subject=None,
            data={},
            team_id=None,
        )
        await session.rollback()
    marker = await publish_committed(sessions, prefix + "case.closed")
    async with asgi_client(receiver) as client:
        relay = OutboxRelay(sessions, kernel, relay_settings(sub), client)
        await until(lambda: _received(receiver, sub.name, marker), step=relay.run_once)
        await relay.run_once()
    assert [event_id for _, event_id in receiver.received] == [marker]
    assert await delivery(sessions, doomed, sub.name) is None
    async with sessions() as session:
        assert await session.scalar(select(func.count()).where(EVENTS.c.id == doomed)) == 0


async def test_restart_and_lost_ack_still_apply_the_effect_exactly_once(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    prefix = unique_prefix()
    sub = subscriber(prefix)
    event_id = await publish_committed(sessions, prefix + "entry.created")
    receiver.fail_after_apply.add(event_id)
    async with asgi_client(receiver) as client:
        crashed = OutboxRelay(sessions, kernel, relay_settings(sub), client)
        del crashed  # the process died after the commit, before relaying anything
        relay = OutboxRelay(sessions, kernel, relay_settings(sub), client)

        async def delivered() -> bool:
            row = await delivery(sessions, event_id, sub.name)
            return row is not None and row.delivered_at is not None

        await until(delivered, step=relay.run_once)

    assert receiver.count(sub.name, event_id) == 2
    assert await effects(sessions, event_id) == 1
    row = await delivery(sessions, event_id, sub.name)
    assert row.attempts == 2
    assert row.last_error is None


async def test_relay_dying_mid_delivery_redelivers_after_the_lease(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    prefix = unique_prefix()
    sub = subscriber(prefix, timeout=0.5)
    event_id = await publish_committed(sessions, prefix + "entry.created")
    receiver.hang = asyncio.Event()
    settings = relay_settings(sub, lease_seconds=1.0)
    async with asgi_client(receiver) as client:
        doomed = asyncio.create_task(OutboxRelay(sessions, kernel, settings, client).run_once())
        await asyncio.wait_for(receiver.arrived.wait(), timeout=10)
        doomed.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await doomed
        receiver.hang = None
        relay = OutboxRelay(sessions, kernel, settings, client)
        assert await relay.run_once() == 0  # still leased: nobody may deliver it yet
        leased = await delivery(sessions, event_id, sub.name)
        assert leased.in_future
        assert leased.attempts == 0
        await until(lambda: _received_twice(receiver, sub.name, event_id), step=relay.run_once)
    assert await effects(sessions, event_id) == 1
    assert (await delivery(sessions, event_id, sub.name)).delivered_at is not None


async def _received_twice(receiver: Receiver, name: str, event_id: uuid.UUID) -> bool:
    return receiver.count(name, event_id) >= 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextlib.asynccontextmanager
async def serving(app: FastAPI, port: int) -> AsyncIterator[None]:
    """Serve `app` on 127.0.0.1:port for the duration of the block."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "receiver did not start"
            assert not task.done(), "receiver exited early"
            await asyncio.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


async def test_receiver_down_backs_off_then_delivers_over_a_real_socket(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    prefix = unique_prefix()
    port = free_port()
    sub = subscriber(prefix, base=f"http://127.0.0.1:{port}")
    event_id = await publish_committed(sessions, prefix + "case.opened")
    settings = relay_settings(sub, backoff_base_seconds=1.0, backoff_max_seconds=5)
    async with httpx.AsyncClient() as client:
        relay = OutboxRelay(sessions, kernel, settings, client)
        assert await relay.run_once() == 0
        first = await delivery(sessions, event_id, sub.name)
        assert (first.attempts, first.last_error) == (1, "ConnectError")
        assert first.in_future
        assert await relay.run_once() == 0  # not due yet: no hammering of a dead receiver
        assert (await delivery(sessions, event_id, sub.name)).attempts == 1

        async with serving(receiver.app(), port):

            async def delivered() -> bool:
                row = await delivery(sessions, event_id, sub.name)
                return row.delivered_at is not None

            await until(delivered, step=relay.run_once)
    row = await delivery(sessions, event_id, sub.name)
    assert row.attempts == 2
    assert row.delivered_at >= first.next_attempt_at
    assert receiver.count(sub.name, event_id) == 1


async def test_two_relays_deliver_each_event_once_per_subscriber(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    prefix = unique_prefix()
    subs = (subscriber(prefix), subscriber(prefix))
    ids = [await publish_committed(sessions, prefix + "entry.created") for _ in range(20)]
    settings = relay_settings(*subs, batch_size=5)
    async with asgi_client(receiver) as client:
        first = OutboxRelay(sessions, kernel, settings, client)
        second = OutboxRelay(sessions, kernel, settings, client)
        totals = [0, 0]

        async def both() -> None:
            a, b = await asyncio.gather(first.run_once(), second.run_once())
            totals[0] += a
            totals[1] += b

        async def all_delivered() -> bool:
            return sum(receiver.count(s.name, i) for s in subs for i in ids) >= 40

        await until(all_delivered, step=both)
        await both()
    assert sorted(totals) != [0, 40], "one relay did all the work; they did not run concurrently"
    assert sum(totals) == 40
    for s in subs:
        for event_id in ids:
            assert receiver.count(s.name, event_id) == 1


async def test_subscribers_receive_only_the_types_they_asked_for(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    prefix = unique_prefix()
    cases = subscriber(prefix + "case.")
    entries = subscriber(prefix + "entry.")
    opened = await publish_committed(sessions, prefix + "case.opened")
    created = await publish_committed(sessions, prefix + "entry.created")
    async with asgi_client(receiver) as client:
        relay = OutboxRelay(sessions, kernel, relay_settings(cases, entries), client)

        async def both_seen() -> bool:
            return receiver.count(cases.name, opened) + receiver.count(entries.name, created) == 2

        await until(both_seen, step=relay.run_once)
        await relay.run_once()
    assert sorted(receiver.received) == sorted([(cases.name, opened), (entries.name, created)])
    assert await delivery(sessions, created, cases.name) is None
    assert await delivery(sessions, opened, entries.name) is None


async def test_delivery_dies_loudly_after_max_attempts_and_can_be_revived(
    sessions: async_sessionmaker[AsyncSession],
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    prefix = unique_prefix()
    sub = subscriber(prefix)
    event_id = await publish_committed(sessions, prefix + "case.opened")
    receiver.always_fail = True
    async with asgi_client(receiver) as client:
        relay = OutboxRelay(sessions, kernel, relay_settings(sub, max_attempts=3), client)

        async def dead() -> bool:
            row = await delivery(sessions, event_id, sub.name)
            return row is not None and (row.last_error or "").startswith("dead:")

        with caplog.at_level(logging.ERROR, logger="services.relay"):
            await until(dead, step=relay.run_once)
        row = await delivery(sessions, event_id, sub.name)
        assert row.attempts == 3
        assert row.last_error == "dead: HTTP 503 after 3 attempts"
        assert row.finite is False
        assert row.delivered_at is None
        assert any(str(event_id) in r.getMessage() for r in caplog.records)
        await asyncio.sleep(0.3)
        assert await relay.run_once() == 0  # the dead stay dead until an operator acts

        receiver.always_fail = False
        async with sessions() as session, session.begin():
            assert await revive_dead(session, DELIVERIES, subscriber=sub.name) == 1
        assert await relay.run_once() == 1
    assert (await delivery(sessions, event_id, sub.name)).delivered_at is not None
    assert await effects(sessions, event_id) == 1


async def test_relay_lifespan_hook_runs_and_stops_with_the_service(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver, database_url: str
) -> None:
    prefix = unique_prefix()
    sub = subscriber(prefix)
    app = FastAPI()
    app.state.sessionmaker = sessions
    app.state.kernel = kernel
    app.state.settings = KernelSettings(environment="test", database_url=database_url)
    async with asgi_client(receiver) as client:
        async with AsyncExitStack() as stack:
            # Other apps of the session run relays too (every unit offers webhooks): find ours.
            before = asyncio.all_tasks()
            await relay_lifespan_hook(relay_settings(sub), client=client)(app, stack)
            event_id = await publish_committed(sessions, prefix + "case.opened")
            deadline = time.monotonic() + 10
            while not receiver.count(sub.name, event_id):
                assert time.monotonic() < deadline
                await asyncio.sleep(0.02)
            task = next(t for t in asyncio.all_tasks() - before if t.get_name() == "outbox-relay")
        assert task.done()
        assert not task.cancelled()


async def test_lifespan_hook_refuses_a_weak_secret_outside_development(database_url: str) -> None:
    weak = Subscriber(
        name="weak", url="http://127.0.0.1:1/hooks", secret="short", types=["uk."], timeout=1
    )
    app = FastAPI()
    app.state.settings = KernelSettings(environment="production", database_url=database_url)
    async with AsyncExitStack() as stack:
        with pytest.raises(ValueError, match="too short"):
            await relay_lifespan_hook(RelaySettings(subscribers=[weak]))(app, stack)


def test_subscribers_load_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "FSM_RELAY_SUBSCRIBERS",
        json.dumps(
            [
                {
                    "name": "supervision",
                    "url": "http://supervision:8102/events",
                    "secret": SECRET,
                    "types": ["uk.gov.fsm.workbook.case."],
                    "timeout": 5,
                }
            ]
        ),
    )
    monkeypatch.setenv("FSM_RELAY_MAX_ATTEMPTS", "4")
    settings = RelaySettings()
    assert settings.max_attempts == 4
    (loaded,) = settings.subscribers
    assert loaded.name == "supervision"
    assert loaded.secret.get_secret_value() == SECRET
    assert SECRET not in repr(settings)
    assert loaded.wants("uk.gov.fsm.workbook.case.opened")
    assert not loaded.wants("uk.gov.fsm.workbook.entry.created")


def test_a_lease_shorter_than_a_call_is_refused() -> None:
    with pytest.raises(ValidationError, match="lease_seconds"):
        RelaySettings(subscribers=[subscriber("uk.", timeout=10)], lease_seconds=5)


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    assert [backoff_delay(n, 1, 600, lambda: 0.0) for n in (1, 2, 3, 4)] == [0.5, 1, 2, 4]
    assert [backoff_delay(n, 1, 600, lambda: 1.0) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff_delay(40, 1, 600, lambda: 1.0) == 600
    assert backoff_delay(40, 1, 600, lambda: 0.0) == 300


# --- verify_webhook ---------------------------------------------------------------------------


def signed_delivery(
    secret: str = SECRET, *, timestamp: int | None = None, body: bytes | None = None
) -> tuple[dict[str, str], bytes, uuid.UUID]:
    event = CloudEvent(
        specversion="1.0",
        id=uuid.uuid4(),
        source="/workbook",
        type="uk.gov.fsm.workbook.case.opened",
        time=datetime.now(UTC),
        data={"case_id": str(uuid.uuid4())},
    )
    payload = event.to_json_bytes() if body is None else body
    stamp = int(time.time()) if timestamp is None else timestamp
    return webhook_headers(secret, str(event.id), stamp, payload), payload, event.id


def refused(headers: dict[str, str], body: bytes, **kw: Any) -> ProblemError:
    with pytest.raises(ProblemError) as raised:
        verify_webhook(headers, body, kw.pop("secrets", [SECRET]), **kw)
    return raised.value


def test_valid_delivery_is_accepted_with_case_insensitive_headers() -> None:
    headers, body, event_id = signed_delivery()
    shouted = {k.upper(): v for k, v in headers.items()}
    assert verify_webhook(shouted, body, [SECRET]).id == event_id


def test_tampered_body_is_refused() -> None:
    headers, body, _ = signed_delivery()
    assert refused(headers, body.replace(b"case.opened", b"case.closed")).status == 401


def test_wrong_secret_is_refused() -> None:
    headers, body, _ = signed_delivery(secret="another-secret-" + "y" * 32)
    assert refused(headers, body).status == 401


def test_stale_and_future_timestamps_are_refused() -> None:
    for skew in (-301, 301):
        headers, body, _ = signed_delivery(timestamp=int(time.time()) + skew)
        problem = refused(headers, body)
        assert problem.status == 401
        assert "window" in (problem.detail or "")


def test_unsigned_or_garbled_headers_are_refused() -> None:
    headers, body, _ = signed_delivery()
    for missing in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        partial = {k: v for k, v in headers.items() if k != missing}
        assert refused(partial, body).status == 401
    assert refused({**headers, "webhook-timestamp": "soon"}, body).status == 401
    assert refused({**headers, "webhook-signature": "v1,not-base64!"}, body).status == 401
    assert refused({**headers, "webhook-signature": "v1a,éé"}, body).status == 401


def test_rotated_secrets_and_multiple_signatures_are_accepted() -> None:
    headers, body, event_id = signed_delivery(secret="new-secret-" + "z" * 32)
    old = sign(SECRET, str(event_id), int(headers["webhook-timestamp"]), body)
    headers["webhook-signature"] = f"{old} {headers['webhook-signature']}"
    assert verify_webhook(headers, body, ["new-secret-" + "z" * 32]).id == event_id
    assert verify_webhook(headers, body, [SECRET]).id == event_id


def test_standard_webhooks_whsec_secret_is_base64_decoded() -> None:
    key = b"\x00\x01binary-key-material-32-bytes!!"
    secret = "whsec_" + base64.b64encode(key).decode()
    headers, body, event_id = signed_delivery(secret=secret)
    assert verify_webhook(headers, body, [key]).id == event_id
    assert verify_webhook(headers, body, [secret]).id == event_id


def test_authentic_but_malformed_envelope_is_a_bad_request() -> None:
    msg_id = str(uuid.uuid4())
    stamp = int(time.time())
    for body in (b"not json", b'{"specversion": "0.3"}', b"[]"):
        headers = webhook_headers(SECRET, msg_id, stamp, body)
        problem = refused(headers, body)
        assert problem.status == 400
        assert "not json" not in (problem.detail or "")


def test_webhook_id_must_match_the_event_id() -> None:
    _, body, _ = signed_delivery()
    other = str(uuid.uuid4())
    headers = webhook_headers(SECRET, other, int(time.time()), body)
    assert refused(headers, body).status == 400


async def test_accept_once_reports_duplicates(sessions: async_sessionmaker[AsyncSession]) -> None:
    _, body, _ = signed_delivery()
    event = CloudEvent.model_validate_json(body)
    async with sessions() as session, session.begin():
        assert await accept_once(session, INBOX, event) is True
    async with sessions() as session, session.begin():
        assert await accept_once(session, INBOX, event) is False
    # An inbox row rolled back with its effect does not count: the event is applied later.
    retried = event.model_copy(update={"id": uuid.uuid4()})
    async with sessions() as session:
        await session.begin()
        assert await accept_once(session, INBOX, retried) is True
        await session.rollback()
    async with sessions() as session, session.begin():
        assert await accept_once(session, INBOX, retried) is True


async def test_the_relay_sends_the_writers_traceparent_as_the_tracing_extension(
    sessions: async_sessionmaker[AsyncSession], receiver: Receiver
) -> None:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from services.tracing import Tracing, exporting_to

    prefix = unique_prefix()
    sub = subscriber(prefix)
    with exporting_to(InMemorySpanExporter()):
        tracing = Tracing.for_unit("outbox-test")
    assert tracing is not None
    with tracing.provider.get_tracer("test").start_as_current_span("request") as span:
        traced = await publish_committed(sessions, prefix + "traced")
        context = span.get_span_context()
    untraced = await publish_committed(sessions, prefix + "untraced")

    async with asgi_client(receiver) as client:
        relay = OutboxRelay(sessions, kernel, relay_settings(sub), client)

        async def both_arrived() -> bool:
            return {traced, untraced} <= {event_id for _, event_id in receiver.received}

        await until(both_arrived, step=relay.run_once)

    sent = {json.loads(body)["id"]: json.loads(body) for body in receiver.bodies}
    expected = f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"
    assert sent[str(traced)]["traceparent"] == expected
    assert "traceparent" not in sent[str(untraced)]
    # The consumer reads it back from the signed envelope.
    assert CloudEvent.model_validate_json(json.dumps(sent[str(traced)])).traceparent == expected


@pytest.mark.parametrize(
    "value",
    ["garbage", "00-" + "0" * 32 + "-" + "1" * 16 + "-01", "00-ABC-DEF-01", 7, ""],
)
def test_a_malformed_traceparent_is_dropped_not_refused(value: object) -> None:
    event = CloudEvent.model_validate(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/workbook",
            "type": "uk.gov.fsm.test.event",
            "time": datetime.now(UTC).isoformat(),
            "data": {},
            "traceparent": value,
        }
    )
    assert event.traceparent is None
