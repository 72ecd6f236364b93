"""Benchmark the workbook's recording path and first chronology page (run by hand, not a test).

    .venv/bin/python bench/workbook_bench.py [--creates 400] [--reads 200]

(a) Entry creation (final, with its revision, audit row and outbox event) through the gateway:
    p50/p99 for one client in a closed loop, and for several concurrent clients.
(b) The first chronology page of cases with 100, 1,000 and 10,000 entries (bulk-inserted with
    SQL), p50/p99 per size and the ratio to the 100-entry case measured in the same run: the
    machine is shared and noisy, so the ratios, not the absolute numbers, say whether the read
    stays flat as a family's record grows (DESIGN.md section 7).

Requests go through the real gateway app (token verification, directory lookup, internal token,
proxy) in process over ASGI to the real workbook app, served in the same process by uvicorn on a
127.0.0.1 port (the gateway's client needs a socket); if the gateway cannot be
started, the workbook app is called directly with an internal token, and the output says so.
The database is a fresh one on TEST_DATABASE_URL / DATABASE_URL, or the embedded server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.dev_keys import ensure_dev_keys, load_dev_keys, mint_dev_access_token  # noqa: E402
from services.internal_token import InternalTokenIssuer  # noqa: E402
from services.migrate import upgrade_all  # noqa: E402
from services.principal import Principal  # noqa: E402
from services.settings import async_database_url  # noqa: E402
from tests.support.database import fresh_database  # noqa: E402
from workbook_api.app import create_app as create_workbook_app  # noqa: E402
from workbook_api.settings import WorkbookSettings  # noqa: E402

SIZES = (100, 1_000, 10_000)
PAGE = 50


@dataclass(frozen=True)
class Actor:
    """A practitioner the benchmark acts as, with the headers that reach the workbook."""

    principal: Principal
    headers: dict[str, str]


@dataclass
class Stack:
    """A client for the workbook's routes and how it reaches them."""

    client: httpx.AsyncClient
    prefix: str
    mode: str
    actor: Callable[[Principal], Awaitable[Actor]]


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def report(label: str, samples_ms: list[float]) -> tuple[float, float]:
    """Print and return p50/p99 of a set of latencies in milliseconds."""
    p50, p99 = statistics.median(samples_ms), percentile(samples_ms, 99)
    print(f"  {label:<34} n={len(samples_ms):>5}  p50={p50:7.2f} ms  p99={p99:7.2f} ms")
    return p50, p99


async def add_directory_people(
    engine: AsyncEngine, team_id: uuid.UUID, people: list[tuple[Principal, str]]
) -> None:
    """Put a team and its practitioners in the gateway's directory."""
    from gateway.directory.models import Practitioner, Team, TeamMembership

    async with AsyncSession(engine) as session, session.begin():
        session.add(Team(id=team_id, name=f"Bench {team_id.hex[:8]}", code=f"B-{team_id.hex[:8]}"))
        await session.flush()
        for principal, role in people:
            session.add(
                Practitioner(
                    id=principal.practitioner_id,
                    subject=principal.subject,
                    display_name=principal.display_name,
                    discipline_code=principal.discipline,
                    roles=sorted(principal.roles),
                    active=True,
                )
            )
            await session.flush()
            session.add(
                TeamMembership(
                    id=uuid.uuid4(),
                    practitioner_id=principal.practitioner_id,
                    team_id=team_id,
                    role_in_team=role,
                )
            )


@asynccontextmanager
async def open_stack(url: str, state_dir: Path, engine: AsyncEngine) -> AsyncIterator[Stack]:
    """The gateway in front of the workbook, both in process; the workbook alone as a fallback."""
    workbook = create_workbook_app(
        WorkbookSettings(
            environment="test",
            database_url=url,
            state_dir=state_dir,
            log_level="WARNING",
            db_pool_size=20,
        )
    )
    keys = load_dev_keys(state_dir)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(workbook.router.lifespan_context(workbook))
        gateway_stack = await start_gateway(stack, url, state_dir, workbook, keys)
        if gateway_stack is not None:
            yield gateway_stack
            return
        issuer = InternalTokenIssuer(keys.internal_private_pem, keys.internal_kid)
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=workbook), base_url="http://wb")
        )

        async def direct(principal: Principal) -> Actor:
            token = issuer.token_for(principal, "workbook")
            return Actor(principal, {"Authorization": f"Bearer {token}"})

        yield Stack(client, "", "in-process workbook app (no gateway)", direct)


async def serve_loopback(stack: AsyncExitStack, app: Any) -> str:
    """Serve an app with uvicorn in this process on a free 127.0.0.1 port; return its URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=2)
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))

    async def stop() -> None:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
        sock.close()

    stack.push_async_callback(stop)
    while not server.started:
        if task.done():
            task.result()  # raises why it stopped
        await asyncio.sleep(0.01)
    return f"http://127.0.0.1:{port}"


async def start_gateway(
    stack: AsyncExitStack, url: str, state_dir: Path, workbook: Any, keys: Any
) -> Stack | None:
    """Start the real gateway in front of the workbook app, or say why not and return None."""
    try:
        workbook_url = await serve_loopback(stack, workbook)
        from gateway.app import create_app as create_gateway_app
        from gateway.settings import AUDIENCE_DEFAULT, DEV_ISSUER_DEFAULT, GatewaySettings

        gateway = create_gateway_app(
            GatewaySettings(
                environment="test",
                database_url=url,
                state_dir=state_dir,
                log_level="WARNING",
                db_pool_size=20,
                rate_limit_enabled=False,
                gateway_upstream_workbook=workbook_url,
            ),
        )
        await stack.enter_async_context(gateway.router.lifespan_context(gateway))
        client = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=gateway), base_url="http://gateway.bench"
            )
        )
        (await client.get("/healthz")).raise_for_status()
    except Exception as exc:  # the fallback is the point: say why and carry on
        print(f"  gateway unavailable ({type(exc).__name__}: {exc})")
        return None

    async def via_gateway(principal: Principal) -> Actor:
        token = mint_dev_access_token(
            keys, subject=principal.subject, issuer=DEV_ISSUER_DEFAULT, audience=AUDIENCE_DEFAULT
        )
        return Actor(principal, {"Authorization": f"Bearer {token}"})

    mode = "in-process ASGI gateway -> workbook app on uvicorn (loopback, same process)"
    return Stack(client, "/workbook", mode, via_gateway)


def make_principal(
    discipline: str, roles: tuple[str, ...], team: uuid.UUID, manages: bool
) -> Principal:
    practitioner_id = uuid.uuid4()
    return Principal(
        subject=f"bench|{practitioner_id.hex}",
        practitioner_id=practitioner_id,
        display_name=f"Bench {discipline} {practitioner_id.hex[:6]}",
        discipline=discipline,
        roles=frozenset(roles),
        team_ids=frozenset({team}),
        managed_team_ids=frozenset({team}) if manages else frozenset(),
    )


async def call(stack: Stack, method: str, path: str, actor: Actor, **kwargs: Any) -> httpx.Response:
    response = await stack.client.request(
        method,
        stack.prefix + path,
        headers={**actor.headers, **kwargs.pop("headers", {})},
        **kwargs,
    )
    if response.status_code >= 400:
        raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text[:300]}")
    return response


async def open_case(stack: Stack, manager: Actor, worker: Actor, team: uuid.UUID) -> dict[str, Any]:
    """A family, an open case and the worker allocated as its social worker, via the API."""
    family = (
        await call(
            stack,
            "POST",
            "/families",
            manager,
            json={
                "name": "Bench family (synthetic)",
                "owning_team_id": str(team),
                "members": [
                    {"role": "parent", "given_name": "Bench", "family_name": "Parent"},
                    {"role": "child", "given_name": "Bench", "family_name": "Child"},
                ],
            },
        )
    ).json()
    case: dict[str, Any] = (
        await call(
            stack,
            "POST",
            "/cases",
            manager,
            json={"family_id": family["id"], "owning_team_id": str(team), "reason": "Benchmark"},
        )
    ).json()
    await call(
        stack,
        "POST",
        f"/cases/{case['id']}/allocations",
        manager,
        json={
            "practitioner_id": str(worker.principal.practitioner_id),
            "practitioner_name": worker.principal.display_name,
            "discipline": worker.principal.discipline,
            "is_allocated_social_worker": True,
        },
    )
    return case


async def bench_creation(stack: Stack, worker: Actor, case_id: str, creates: int) -> None:
    print("\n(a) entry creation: POST /cases/{id}/entries, final, with revision + audit + outbox")

    def body(i: int) -> dict[str, Any]:
        return {
            "entry_type": "home_visit",
            "event_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
            "narrative": f"Benchmark visit {i}: children seen, home conditions noted.",
            "significant": i % 3 == 0,
            "finalise": True,
        }

    async def create(i: int) -> float:
        started = time.perf_counter()
        await call(stack, "POST", f"/cases/{case_id}/entries", worker, json=body(i))
        return (time.perf_counter() - started) * 1000

    for i in range(20):  # warm the pools and caches
        await create(i)
    sequential = [await create(i) for i in range(creates)]
    report("1 client, closed loop", sequential)
    for clients in (4, 8):
        samples: list[float] = []
        started = time.perf_counter()

        async def loop(offset: int, samples: list[float] = samples, clients: int = clients) -> None:
            for i in range(offset, creates, clients):
                samples.append(await create(i))

        await asyncio.gather(*(loop(c) for c in range(clients)))
        elapsed = time.perf_counter() - started
        report(f"{clients} clients, closed loop", samples)
        print(f"  {'':<34} throughput {len(samples) / elapsed:7.1f} entries/s")


BULK_ENTRIES = text(
    """
    INSERT INTO workbook.entry (
        id, case_id, episode_id, entry_type, status, author_id, author_name, discipline,
        event_at, recorded_at, finalised_at, updated_at, significant, sensitivity, person_ids,
        narrative, shareable_summary, revision, version)
    SELECT gen_random_uuid(), CAST(:case_id AS uuid), CAST(:episode_id AS uuid),
        (ARRAY['home_visit', 'phone_call', 'office_visit', 'meeting'])[1 + g % 4],
        CASE WHEN g % 20 = 0 THEN 'draft' ELSE 'final' END,
        CAST(:author_id AS uuid), 'Bench author',
        CASE WHEN g % 5 = 0 THEN 'recovery_worker' ELSE 'social_worker' END,
        now() - make_interval(mins => g * 37), now(), CASE WHEN g % 20 = 0 THEN NULL ELSE now() END,
        now(), g % 3 <> 0, CASE WHEN g % 5 = 0 THEN 'restricted' ELSE 'standard' END, '{}',
        'Synthetic narrative ' || g || ': the family was seen, the plan was discussed and the '
        || 'next steps agreed with both parents and the school.',
        CASE WHEN g % 5 = 0 THEN 'Shareable summary ' || g END,
        CASE WHEN g % 20 = 0 THEN 0 ELSE 1 END, 1
    FROM generate_series(1, :n) AS g
    """
)
BULK_EVENTS = text(
    """
    INSERT INTO workbook.chronology_event (id, case_id, source, type, occurred_at, title, summary,
        external_id)
    SELECT gen_random_uuid(), CAST(:case_id AS uuid), 'supervision', 'gcs.decision',
        now() - make_interval(mins => g * 37 * 20 + 11), 'GCS decision ' || g,
        'Synthetic decision', :prefix || g
    FROM generate_series(1, :n) AS g
    """
)


async def bench_chronology(
    stack: Stack, engine: AsyncEngine, manager: Actor, worker: Actor, team: uuid.UUID, reads: int
) -> None:
    print(f"\n(b) first chronology page (limit={PAGE}) by case size; same-run ratios to 100")
    cases: dict[int, str] = {}
    for size in SIZES:
        case = await open_case(stack, manager, worker, team)
        async with engine.begin() as connection:
            episode_id = await connection.scalar(
                text("SELECT id FROM workbook.episode WHERE case_id = :c AND closed_at IS NULL"),
                {"c": case["id"]},
            )
            await connection.execute(
                BULK_ENTRIES,
                {
                    "case_id": case["id"],
                    "episode_id": episode_id,
                    "author_id": worker.principal.practitioner_id,
                    "n": size,
                },
            )
            await connection.execute(
                BULK_EVENTS,
                {"case_id": case["id"], "prefix": f"bench-{case['id']}-", "n": max(1, size // 20)},
            )
        cases[size] = case["id"]
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE workbook.entry"))
        await connection.execute(text("ANALYZE workbook.chronology_event"))

    async def read(case_id: str, order: str) -> float:
        started = time.perf_counter()
        response = await call(
            stack, "GET", f"/cases/{case_id}/chronology?limit={PAGE}&order={order}", worker
        )
        elapsed = (time.perf_counter() - started) * 1000
        assert len(response.json()["items"]) == PAGE
        return elapsed

    for order in ("asc", "desc"):
        results: dict[int, tuple[float, float]] = {}
        for size in SIZES:
            for _ in range(20):
                await read(cases[size], order)
        # Interleave the sizes so drift on a shared machine hits them all alike.
        samples: dict[int, list[float]] = {size: [] for size in SIZES}
        for _ in range(reads):
            for size in SIZES:
                samples[size].append(await read(cases[size], order))
        print(f"  order={order}")
        for size in SIZES:
            results[size] = report(f"{size:>6} entries", samples[size])
        base50, base99 = results[SIZES[0]]
        for size in SIZES[1:]:
            p50, p99 = results[size]
            ratio = f"p50 x{p50 / base50:4.2f}  p99 x{p99 / base99:4.2f}"
            print(f"  {'':<4}{size:>6} / {SIZES[0]}: {ratio}")


async def run(url: str, state_dir: Path, creates: int, reads: int) -> None:
    engine = create_async_engine(async_database_url(url), pool_size=4)
    team = uuid.uuid4()
    manager_p = make_principal("team_manager", ("practitioner", "team_manager"), team, True)
    worker_p = make_principal("social_worker", ("practitioner",), team, False)
    try:
        await add_directory_people(engine, team, [(manager_p, "manager"), (worker_p, "member")])
        async with open_stack(url, state_dir, engine) as stack:
            print(f"path: {stack.mode}")
            manager, worker = await stack.actor(manager_p), await stack.actor(worker_p)
            case = await open_case(stack, manager, worker, team)
            await bench_creation(stack, worker, case["id"], creates)
            await bench_chronology(stack, engine, manager, worker, team, reads)
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=400)
    parser.add_argument("--reads", type=int, default=200)
    args = parser.parse_args()
    server = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    print(f"database: {'embedded PostgreSQL' if server is None else 'server from environment'}")
    with fresh_database(server, ROOT / ".fsm") as url, tempfile.TemporaryDirectory() as tmp:
        upgrade_all(url)
        state_dir = Path(tmp)
        ensure_dev_keys(state_dir)
        asyncio.run(run(url, state_dir, args.creates, args.reads))


if __name__ == "__main__":
    main()
