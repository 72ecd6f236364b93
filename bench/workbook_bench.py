"""Benchmark the workbook's recording path and first chronology page (run by hand, not a test).

    .venv/bin/python bench/workbook_bench.py [--creates 400] [--reads 200] [--keep-logs]

(a) Entry creation (final, with its revision, audit row and outbox event) through the gateway:
    p50/p99 and throughput for one client in a closed loop, and for 4 and 8 concurrent clients,
    with the CPU each service process spent per request.
    The same run then times the same durable work done with raw asyncpg (bench/raw_recording.py:
    8 connections, each transaction an entry, its revision, an outbox event and a hash-chained
    audit row) and prints entries/s through the gateway at 8 clients as a ratio of it.
(b) The first chronology page of cases with 100, 1,000 and 10,000 entries (bulk-inserted with
    SQL), p50/p99 per size and the ratio to the 100-entry case measured in the same run: the
    machine is shared and noisy, so the ratios, not the absolute numbers, say whether the read
    stays flat as a family's record grows. The gateway's and the
    workbook's CPU per read is printed for each order.

The deployed shape: the workbook and the gateway run as separate processes, each started as
`fsm serve <unit>` starts it (one uvicorn process, on 127.0.0.1), with development keys in a
temp state dir and the gateway's rate limit raised so that it never refuses. This process
drives the gateway over HTTP/1.1 with an httpx.AsyncClient (keep-alive), so every request pays
the gateway's token verification, directory lookup, internal token and proxy hop. The bench's
team and practitioners are put in the gateway's directory before the services start.
The database is a throwaway one on TEST_DATABASE_URL / DATABASE_URL, or on the embedded
server, migrated, and dropped afterwards; every process started here is stopped (process
groups), even on failure or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway_bench import (  # noqa: E402
    LOOPBACK,
    RATE_LIMIT_NEVER_REFUSES,
    Child,
    Children,
    free_port,
    process_group_cpu_seconds,
    serve_argv,
    service_env,
    throwaway_database,
    uvicorn_flavour,
    wait_ready,
)
from raw_recording import (  # noqa: E402  (bench/ is the script's directory)
    CONNECTIONS,
    drop_scratch,
    load_template,
    transactions_per_second,
)

from services.cli import dev_token_issuer_and_audience  # noqa: E402
from services.cli.run import event_secrets  # noqa: E402
from services.dev_keys import ensure_dev_keys, load_dev_keys, mint_dev_access_token  # noqa: E402
from services.migrate import upgrade_all  # noqa: E402
from services.principal import Principal  # noqa: E402
from services.registry import GATEWAY, WORKBOOK  # noqa: E402
from services.settings import async_database_url  # noqa: E402
from services.subscriptions import relay_subscribers  # noqa: E402

SIZES: Final = (100, 1_000, 10_000)
PAGE: Final = 50
CONCURRENT_CLIENTS: Final = (4, 8)
RAW_SECONDS: Final = 5.0


@dataclass(frozen=True)
class Actor:
    """A practitioner the benchmark acts as, with its development access token."""

    principal: Principal
    headers: dict[str, str]


@dataclass
class Api:
    """The gateway's workbook routes, reached over the loopback, and the processes behind it."""

    client: httpx.AsyncClient
    gateway: Child
    workbook: Child

    def cpu_seconds(self) -> tuple[float, float]:
        """CPU (user + system) the gateway and the workbook process groups have used so far."""
        return (
            process_group_cpu_seconds(self.gateway.pgid),
            process_group_cpu_seconds(self.workbook.pgid),
        )


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
    """Put a team and its practitioners in the gateway's directory, and announce them."""
    from gateway.directory import events
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
        await session.flush()
        for principal, _ in people:
            practitioner = await session.get(Practitioner, principal.practitioner_id)
            assert practitioner is not None
            # As in production, the workbook learns them from the directory's events.
            await events.practitioner_changed(session, practitioner)


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


async def call(api: Api, method: str, path: str, actor: Actor, **kwargs: Any) -> httpx.Response:
    response = await api.client.request(
        method,
        path,
        headers={**actor.headers, **kwargs.pop("headers", {})},
        **kwargs,
    )
    if response.status_code >= 400:
        raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text[:300]}")
    return response


async def open_case(api: Api, manager: Actor, worker: Actor, team: uuid.UUID) -> dict[str, Any]:
    """A family, an open case and the worker allocated as its social worker, via the API."""
    family = (
        await call(
            api,
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
            api,
            "POST",
            "/cases",
            manager,
            json={"family_id": family["id"], "owning_team_id": str(team), "reason": "Benchmark"},
        )
    ).json()
    await call(
        api,
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


async def bench_creation(api: Api, worker: Actor, case_id: str, creates: int) -> tuple[float, str]:
    """Time entry creation; return entries/s at the most clients and one created entry's id."""
    print("\n(a) entry creation: POST /workbook/cases/{id}/entries via the gateway, final,")
    print("    with revision + audit + outbox")

    def body(i: int) -> dict[str, Any]:
        return {
            "entry_type": "home_visit",
            "event_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
            "narrative": f"Benchmark visit {i}: children seen, home conditions noted.",
            "significant": i % 3 == 0,
            "finalise": True,
        }

    created: list[str] = []

    async def create(i: int) -> float:
        started = time.perf_counter()
        response = await call(api, "POST", f"/cases/{case_id}/entries", worker, json=body(i))
        created.append(response.json()["id"])
        return (time.perf_counter() - started) * 1000

    # Warm the connections, pools and caches with as many clients as the widest scenario.
    warm = max(CONCURRENT_CLIENTS)
    await asyncio.gather(*(create(i) for i in range(warm)))
    for i in range(20):
        await create(i)
    throughput = 0.0
    for clients in (1, *CONCURRENT_CLIENTS):
        samples: list[float] = []
        cpu_before = api.cpu_seconds()
        started = time.perf_counter()

        async def loop(offset: int, samples: list[float] = samples, clients: int = clients) -> None:
            for i in range(offset, creates, clients):
                samples.append(await create(i))

        await asyncio.gather(*(loop(c) for c in range(clients)))
        elapsed = time.perf_counter() - started
        gateway_cpu, workbook_cpu = (
            (after - before) / len(samples) * 1e6
            for after, before in zip(api.cpu_seconds(), cpu_before, strict=True)
        )
        label = "1 client, closed loop" if clients == 1 else f"{clients} clients, closed loop"
        report(label, samples)
        throughput = len(samples) / elapsed
        print(
            f"  {'':<34} throughput {throughput:7.1f} entries/s"
            f"  CPU/req gateway {gateway_cpu:.0f} us, workbook {workbook_cpu:.0f} us"
        )
    return throughput, created[-1]


async def bench_raw_baseline(database_url: str, entry_id: str, through_gateway: float) -> None:
    """Time the same durable work with raw asyncpg and print the gateway's rate as a ratio."""
    dsn = async_database_url(database_url).replace("postgresql+asyncpg://", "postgresql://")
    print(f"\n    baseline: raw asyncpg, {CONNECTIONS} connections, one entry per transaction")
    template = await load_template(dsn, entry_id)
    try:
        raw = await transactions_per_second(dsn, template, RAW_SECONDS)
    finally:
        await drop_scratch(dsn)
    print(f"  {'raw asyncpg, same durable work':<34} throughput {raw:7.1f} transactions/s")
    print(
        f"  through the gateway at {max(CONCURRENT_CLIENTS)} clients: {through_gateway:.1f}"
        f" entries/s = x{through_gateway / raw:.3f} of raw asyncpg (budget x0.15)"
    )


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
    api: Api, engine: AsyncEngine, manager: Actor, worker: Actor, team: uuid.UUID, reads: int
) -> None:
    print(f"\n(b) first chronology page (limit={PAGE}) by case size; same-run ratios to 100")
    cases: dict[int, str] = {}
    for size in SIZES:
        case = await open_case(api, manager, worker, team)
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
            api, "GET", f"/cases/{case_id}/chronology?limit={PAGE}&order={order}", worker
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
        cpu_before = api.cpu_seconds()
        for _ in range(reads):
            for size in SIZES:
                samples[size].append(await read(cases[size], order))
        gateway_cpu, workbook_cpu = (
            (after - before) / (reads * len(SIZES)) * 1e6
            for after, before in zip(api.cpu_seconds(), cpu_before, strict=True)
        )
        print(
            f"  order={order}  CPU/req (all sizes) gateway {gateway_cpu:.0f} us,"
            f" workbook {workbook_cpu:.0f} us"
        )
        for size in SIZES:
            results[size] = report(f"{size:>6} entries", samples[size])
        base50, base99 = results[SIZES[0]]
        for size in SIZES[1:]:
            p50, p99 = results[size]
            ratio = f"p50 x{p50 / base50:4.2f}  p99 x{p99 / base99:4.2f}"
            print(f"  {'':<4}{size:>6} / {SIZES[0]}: {ratio}")


async def run(
    gateway_url: str,
    gateway: Child,
    workbook: Child,
    database_url: str,
    people: People,
    state_dir: Path,
    creates: int,
    reads: int,
) -> None:
    engine = create_async_engine(async_database_url(database_url), pool_size=4)
    limits = httpx.Limits(
        max_connections=max(CONCURRENT_CLIENTS),
        max_keepalive_connections=max(CONCURRENT_CLIENTS),
        # Below uvicorn's 5 s keep-alive timeout, so an idle connection is never reused just as
        # the server closes it (the bulk inserts leave the connections idle for a while).
        keepalive_expiry=2.0,
    )
    try:
        async with httpx.AsyncClient(
            base_url=f"{gateway_url}/workbook", limits=limits, timeout=60.0
        ) as client:
            api = Api(client, gateway, workbook)
            manager, worker = people.actor(state_dir, "manager"), people.actor(state_dir, "worker")
            await known_to_the_workbook(engine, people.worker.practitioner_id)
            case = await open_case(api, manager, worker, people.team)
            through_gateway, entry_id = await bench_creation(api, worker, case["id"], creates)
            await bench_raw_baseline(database_url, entry_id, through_gateway)
            await bench_chronology(api, engine, manager, worker, people.team, reads)
    finally:
        await engine.dispose()


async def known_to_the_workbook(engine: AsyncEngine, practitioner_id: uuid.UUID) -> None:
    """Wait until the directory's relay has told the workbook about the practitioner."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text("SELECT 1 FROM workbook.directory_practitioner WHERE id = :id"),
                {"id": practitioner_id},
            )
        if found:
            return
        await asyncio.sleep(0.2)
    raise RuntimeError("the workbook never learned the bench's practitioners from the relay")


@dataclass(frozen=True)
class People:
    """The bench's team, its manager and its social worker, as the directory holds them."""

    team: uuid.UUID
    manager: Principal
    worker: Principal

    def actor(self, state_dir: Path, who: str) -> Actor:
        """A development access token for one of them, as `fsm token` mints it."""
        principal = self.manager if who == "manager" else self.worker
        issuer, audience = dev_token_issuer_and_audience()
        token = mint_dev_access_token(
            load_dev_keys(state_dir),
            subject=principal.subject,
            issuer=issuer,
            audience=audience,
            ttl_seconds=6 * 3600,
        )
        return Actor(principal, {"Authorization": f"Bearer {token}"})


async def seed_people(url: str) -> People:
    """Put the bench's team and practitioners in the gateway's directory."""
    team = uuid.uuid4()
    people = People(
        team,
        make_principal("team_manager", ("practitioner", "team_manager"), team, True),
        make_principal("social_worker", ("practitioner",), team, False),
    )
    engine = create_async_engine(async_database_url(url), pool_size=1)
    try:
        await add_directory_people(
            engine, team, [(people.manager, "manager"), (people.worker, "member")]
        )
    finally:
        await engine.dispose()
    return people


def start_services(children: Children, url: str, state_dir: Path) -> tuple[str, Child, Child]:
    """Start the workbook and the gateway as `fsm serve` does; wait until both are ready.

    The gateway's relay delivers the directory's events to the workbook's inbox, as `fsm run`
    and the cluster configure them.
    """
    workbook_port, gateway_port = free_port(), free_port()
    env = service_env(url, state_dir)
    workbook_url = f"http://{LOOPBACK}:{workbook_port}"
    secrets = event_secrets()
    workbook_env = {**env, "FSM_INBOX_SECRETS": json.dumps([secrets[WORKBOOK.name]])}
    workbook = children.start("workbook", serve_argv("workbook", workbook_port), workbook_env)
    gateway_env = {
        **env,
        "FSM_GATEWAY_UPSTREAM_WORKBOOK": workbook_url,
        "FSM_RELAY_SUBSCRIBERS": json.dumps(
            relay_subscribers(GATEWAY, {WORKBOOK.name: workbook_url}, secrets)
        ),
        **RATE_LIMIT_NEVER_REFUSES,
    }
    gateway = children.start("gateway", serve_argv("gateway", gateway_port), gateway_env)
    wait_ready(workbook, f"http://{LOOPBACK}:{workbook_port}/readyz")
    wait_ready(gateway, f"http://{LOOPBACK}:{gateway_port}/readyz")
    return f"http://{LOOPBACK}:{gateway_port}", gateway, workbook


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--creates", type=int, default=400, help="entries per scenario (400)")
    parser.add_argument("--reads", type=int, default=200, help="reads per case size (200)")
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the processes' logs and print where"
    )
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    # SIGTERM unwinds like Ctrl-C, so the `finally` blocks stop the services and drop the database.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    log_root = Path(tempfile.mkdtemp(prefix="fsm-workbook-bench-"))
    try:
        with throwaway_database(ROOT / ".fsm") as (url, where):
            print(f"database: throwaway database on the {where}")
            state_dir = log_root / "state"
            state_dir.mkdir()
            upgrade_all(url)
            ensure_dev_keys(state_dir)
            people = asyncio.run(seed_people(url))
            children = Children(log_root)
            try:
                gateway_url, gateway, workbook = start_services(children, url, state_dir)
                print(
                    "path: httpx.AsyncClient (keep-alive, this process) -> gateway process"
                    " -> workbook process, each `fsm serve <unit>`"
                )
                print(
                    f"      on {LOOPBACK}, one {uvicorn_flavour()} process each;"
                    f" {os.cpu_count()} CPUs"
                )
                asyncio.run(
                    run(
                        gateway_url,
                        gateway,
                        workbook,
                        url,
                        people,
                        state_dir,
                        args.creates,
                        args.reads,
                    )
                )
            finally:
                children.stop_all()
    finally:
        if args.keep_logs:
            print(f"\nlogs: {log_root}")
        else:
            shutil.rmtree(log_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nworkbook_bench: interrupted; every process it started has been stopped")
        sys.exit(130)
