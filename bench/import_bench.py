"""Benchmark bulk import against PostgreSQL COPY, and what it costs other users (run by hand).

    .venv/bin/python bench/import_bench.py [--families 30000] [--people 100000] [--keep-logs]

The extract: 30,000 families, 100,000 people (children with an NHS number and a UPN, adults
with an NHS number) and 30,000 open cases, one per family, as CSV files in the Standard
Safeguarding Dataset's columns, sent gzip-compressed through the gateway as the system of
record would (`POST /workbook/imports`, one job per file, families then people then cases).

(a) Import rate against COPY, in the same run, the extract imported with nothing else
    running. The import's time runs from the first POST to the last job's end (every row
    validated, matched on its key and identifiers, written
    with its identifiers and external ids, each case with its first episode and its
    `case.opened` event, one audit row per chunk and per case, progress committed each chunk).
    Two baselines copy the same data with PostgreSQL COPY (asyncpg's copy_records_to_table):
    - "stored rows": every row the import stores (families, people, identifiers, external
      ids, cases, episodes), into tables made `LIKE workbook.<table> INCLUDING ALL` (same
      columns, defaults, checks and indexes) in a scratch schema. The budget:
      import rate >= 0.05x this COPY's.
    - "extract rows": the extract's own 160,000 rows into bare tables of text columns: the
      fastest way the bytes could land at all, for scale.
(b) Interactive latency for other users while an import runs: the same extract again, under
    other keys, while four clients in a closed loop act as a social worker through the
    gateway (read a case, its entries, the case list, and record
    an entry); p50/p99 idle (20 s before the import and 20 s after it, as the shared machine's
    load drifts), then for the whole import, and the ratio of p99s (budget <= 2x idle). The
    machine's load average is printed with them: on a shared 2-vCPU machine it decides more
    than the code does.

The deployed shape, as bench/workbook_bench.py: the workbook and the gateway are separate
`fsm serve` processes on 127.0.0.1, the database a throwaway one (TEST_DATABASE_URL /
DATABASE_URL, or the embedded server), dropped afterwards; every process is stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import gzip
import io
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

import asyncpg  # type: ignore[import-untyped]
import httpx

ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway_bench import (  # noqa: E402
    Child,
    Children,
    process_group_cpu_seconds,
    throwaway_database,
)
from workbook_bench import (  # noqa: E402
    Actor,
    add_directory_people,
    make_principal,
    percentile,
    start_services,
)

from services.cli import dev_token_issuer_and_audience  # noqa: E402
from services.dev_keys import ensure_dev_keys, load_dev_keys, mint_dev_access_token  # noqa: E402
from services.migrate import upgrade_all  # noqa: E402
from services.principal import Principal  # noqa: E402
from services.settings import async_database_url  # noqa: E402
from workbook_api.families.identifiers import nhs_check_digit, upn_check_letter  # noqa: E402

SYSTEM: Final = "mosaic"
CLIENTS: Final = 4
IDLE_SECONDS: Final = 20.0


@dataclass(frozen=True)
class Extract:
    """The extract's three files (CSV rows as dicts) and how many rows they hold."""

    families: list[dict[str, str]]
    people: list[dict[str, str]]
    cases: list[dict[str, str]]

    @property
    def rows(self) -> int:
        return len(self.families) + len(self.people) + len(self.cases)


def nhs_numbers(serial: int) -> Any:
    """Valid NHS numbers in the 999 range kept for testing, in order from a serial."""
    while True:
        first_nine = f"999{serial:06d}"
        serial += 1
        check = nhs_check_digit(first_nine)
        if check is not None:
            yield f"{first_nine}{check}"


def make_extract(team: uuid.UUID, families: int, people: int, base: int = 0) -> Extract:
    """A synthetic extract: families of two adults and their children, a case each (`base`
    keeps the identifiers of two extracts apart)."""
    tag = uuid.uuid4().hex[:6].upper()
    numbers = nhs_numbers(base)
    opened = (datetime.now(UTC) - timedelta(days=90)).strftime("%Y-%m-%d %H:%M:%S")
    family_rows = [
        {
            "fami_family_id": f"F{tag}{i:07d}",
            "family_name": f"Synthetic family {i}",
            "owning_team_id": str(team),
        }
        for i in range(families)
    ]
    person_rows = []
    for i in range(people):
        family = family_rows[i % families]["fami_family_id"]
        adult = (i // families) < 2
        digits = f"{base + i:012d}"
        person_rows.append(
            {
                "pers_person_id": f"P{tag}{i:08d}",
                "fami_family_id": family,
                "person_role": "parent" if adult else "child",
                "given_name": f"Given{i}",
                "family_name": f"Family{i % families}",
                "pers_dob": "1988-02-15" if adult else "2016-06-15",
                "pers_sex": "FM"[i % 2],
                "pers_common_child_id": next(numbers),
                "upn": "" if adult else upn_check_letter(digits) + digits,
            }
        )
    case_rows = [
        {
            "cine_referral_id": f"C{tag}{i:07d}",
            "fami_family_id": family_rows[i]["fami_family_id"],
            "owning_team_id": str(team),
            "cine_referral_date": opened,
        }
        for i in range(families)
    ]
    return Extract(family_rows, person_rows, case_rows)


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


# (a) COPY baselines -----------------------------------------------------------------------

STORED = ("family", "external_id", "person", "person_identifier", "safeguarding_case", "episode")


def stored_rows(extract: Extract, actor: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    """The rows the import stores for the extract, by table, as columns and values."""
    now = datetime.now(UTC)
    opened = now - timedelta(days=90)
    rows: dict[str, list[dict[str, Any]]] = {table: [] for table in STORED}
    family_ids: dict[str, uuid.UUID] = {}

    def key(record_type: str, value: str, record_id: uuid.UUID) -> dict[str, Any]:
        return {
            "record_type": record_type,
            "system": SYSTEM,
            "value": value,
            f"{record_type}_id": record_id,
            "created_by_practitioner_id": actor,
            "created_at": now,
        }

    stamps = {"created_at": now, "updated_at": now, "version": 1}
    for family in extract.families:
        family_id = family_ids[family["fami_family_id"]] = uuid.uuid4()
        rows["family"].append(
            {
                "id": family_id,
                "name": family["family_name"],
                "owning_team_id": uuid.UUID(family["owning_team_id"]),
                "created_by_practitioner_id": actor,
                **stamps,
            }
        )
        rows["external_id"].append(key("family", family["fami_family_id"], family_id))
    for person in extract.people:
        person_id = uuid.uuid4()
        rows["person"].append(
            {
                "id": person_id,
                "family_id": family_ids[person["fami_family_id"]],
                "role": person["person_role"],
                "given_name": person["given_name"],
                "family_name": person["family_name"],
                "date_of_birth": datetime.fromisoformat(person["pers_dob"]).date(),
                "sex": "female" if person["pers_sex"] == "F" else "male",
                **stamps,
            }
        )
        identifiers = [("nhs_number", person["pers_common_child_id"]), ("upn", person["upn"])]
        for system, value in identifiers:
            if value:
                rows["person_identifier"].append(
                    {
                        "id": uuid.uuid4(),
                        "person_id": person_id,
                        "system": system,
                        "value": value,
                        "created_at": now,
                    }
                )
        rows["external_id"].append(key("person", person["pers_person_id"], person_id))
    for case in extract.cases:
        case_id = uuid.uuid4()
        rows["safeguarding_case"].append(
            {
                "id": case_id,
                "family_id": family_ids[case["fami_family_id"]],
                "owning_team_id": uuid.UUID(case["owning_team_id"]),
                "status": "open",
                "opened_at": opened,
                "opened_reason": f"Opened in {SYSTEM}",
                "opened_by_practitioner_id": actor,
                **stamps,
            }
        )
        rows["episode"].append(
            {
                "id": uuid.uuid4(),
                "case_id": case_id,
                "number": 1,
                "opened_at": opened,
                "opened_by_event": "case_opened",
                "opened_reason": f"Opened in {SYSTEM}",
                "created_at": now,
            }
        )
        rows["external_id"].append(key("case", case["cine_referral_id"], case_id))
    return rows


async def copy_stored(dsn: str, rows: dict[str, list[dict[str, Any]]]) -> float:
    """Seconds to COPY the stored rows into tables shaped like the workbook's."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            "DROP SCHEMA IF EXISTS bench_copy CASCADE; CREATE SCHEMA bench_copy"
        )
        for table in STORED:
            await connection.execute(
                f"CREATE TABLE bench_copy.{table} (LIKE workbook.{table} INCLUDING ALL)"
            )
        prepared = []
        for table in STORED:
            columns = [
                r["attname"]
                for r in await connection.fetch(
                    "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass"
                    " AND attnum > 0 AND NOT attisdropped AND attidentity = ''"
                    " ORDER BY attnum",
                    f"workbook.{table}",
                )
            ]
            records = [tuple(row.get(c) for c in columns) for row in rows[table]]
            prepared.append((table, columns, records))
        started = time.perf_counter()
        async with connection.transaction():
            for table, columns, records in prepared:
                await connection.copy_records_to_table(
                    table, schema_name="bench_copy", records=records, columns=columns
                )
        return time.perf_counter() - started
    finally:
        await connection.execute("DROP SCHEMA IF EXISTS bench_copy CASCADE")
        await connection.close()


async def copy_extract(dsn: str, extract: Extract) -> float:
    """Seconds to COPY the extract's own rows, as text, into bare tables."""
    connection = await asyncpg.connect(dsn)
    files = {"families": extract.families, "people": extract.people, "cases": extract.cases}
    try:
        await connection.execute("DROP SCHEMA IF EXISTS bench_raw CASCADE; CREATE SCHEMA bench_raw")
        for name, rows in files.items():
            columns = ", ".join(f"{column} text" for column in rows[0])
            await connection.execute(f"CREATE TABLE bench_raw.{name} ({columns})")
        started = time.perf_counter()
        async with connection.transaction():
            for name, rows in files.items():
                await connection.copy_to_table(
                    name,
                    schema_name="bench_raw",
                    source=io.BytesIO(csv_bytes(rows)),
                    format="csv",
                    header=True,
                )
        return time.perf_counter() - started
    finally:
        await connection.execute("DROP SCHEMA IF EXISTS bench_raw CASCADE")
        await connection.close()


# (b) Interactive load ---------------------------------------------------------------------


@dataclass
class Load:
    """Closed-loop clients acting as a social worker, recording each request's latency."""

    client: httpx.AsyncClient
    worker: Actor
    case_id: str
    samples: list[float]

    async def once(self, i: int) -> None:
        steps: list[tuple[str, str, dict[str, Any] | None]] = [
            ("GET", f"/cases/{self.case_id}", None),
            ("GET", f"/cases/{self.case_id}/entries?limit=20", None),
            ("GET", "/cases?status=open&limit=20", None),
        ]
        if i % 4 == 0:
            entry = {
                "entry_type": "home_visit",
                "event_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
                "narrative": f"Bench visit {i}: the family was seen at home.",
                "finalise": True,
            }
            steps.append(("POST", f"/cases/{self.case_id}/entries", entry))
        for method, path, body in steps:
            started = time.perf_counter()
            response = await self.client.request(
                method, path, json=body, headers=self.worker.headers
            )
            if response.status_code >= 400:
                raise RuntimeError(f"{method} {path} -> {response.status_code}: {response.text}")
            self.samples.append((time.perf_counter() - started) * 1000)

    async def window(self, seconds: float) -> list[float]:
        """The latencies of `seconds` of closed-loop load with nothing else running."""
        self.samples.clear()
        stop = asyncio.Event()
        loop = asyncio.create_task(self.run(stop))
        await asyncio.sleep(seconds)
        stop.set()
        await loop
        window = list(self.samples)
        self.samples.clear()
        return window

    async def run(self, stop: asyncio.Event) -> None:
        async def loop(offset: int) -> None:
            i = offset
            while not stop.is_set():
                await self.once(i)
                i += CLIENTS

        await asyncio.gather(*(loop(c) for c in range(CLIENTS)))


def latency(label: str, samples: list[float]) -> float:
    p50, p99 = statistics.median(samples), percentile(samples, 99)
    print(f"  {label:<30} n={len(samples):>5}  p50={p50:7.2f} ms  p99={p99:7.2f} ms")
    return p99


# The run ----------------------------------------------------------------------------------


def actor_for(state_dir: Path, principal: Principal) -> Actor:
    issuer, audience = dev_token_issuer_and_audience()
    token = mint_dev_access_token(
        load_dev_keys(state_dir),
        subject=principal.subject,
        issuer=issuer,
        audience=audience,
        ttl_seconds=6 * 3600,
    )
    return Actor(principal, {"Authorization": f"Bearer {token}"})


async def open_worker_case(client: httpx.AsyncClient, manager: Actor, worker: Actor) -> str:
    """A family and case via the API, the worker allocated as its social worker."""
    team = next(iter(manager.principal.managed_team_ids))
    family = await client.post(
        "/families",
        json={"name": "Bench family (synthetic)", "owning_team_id": str(team), "members": []},
        headers=manager.headers,
    )
    case = await client.post(
        "/cases",
        json={"family_id": family.json()["id"], "owning_team_id": str(team), "reason": "Bench"},
        headers=manager.headers,
    )
    case_id: str = case.json()["id"]
    for _ in range(100):
        allocated = await client.post(
            f"/cases/{case_id}/allocations",
            json={
                "practitioner_id": str(worker.principal.practitioner_id),
                "discipline": worker.principal.discipline,
                "is_allocated_social_worker": True,
            },
            headers=manager.headers,
        )
        if allocated.status_code == 201:
            return case_id
        # The directory's relay has not told the workbook about the worker yet.
        await asyncio.sleep(0.2)
    raise RuntimeError(f"could not allocate the bench worker: {allocated.text}")


async def import_file(
    client: httpx.AsyncClient, system: Actor, kind: str, rows: list[dict[str, str]]
) -> dict[str, Any]:
    """Send one file and wait for its job to finish."""
    response = await client.post(
        "/imports",
        params={"kind": kind, "system": SYSTEM},
        content=gzip.compress(csv_bytes(rows), compresslevel=6),
        headers={**system.headers, "Content-Type": "text/csv", "Content-Encoding": "gzip"},
    )
    if response.status_code != 202:
        raise RuntimeError(f"import of {kind} refused: {response.status_code} {response.text}")
    job_id = response.json()["id"]
    while True:
        await asyncio.sleep(0.1)
        job: dict[str, Any] = (
            await client.get(f"/imports/{job_id}", headers=system.headers)
        ).json()
        if job["status"] != "running" and job["status"] != "queued":
            return job


async def run(gateway_url: str, workbook: Child, url: str, state_dir: Path, args: Any) -> None:
    team = uuid.uuid4()
    manager = make_principal("team_manager", ("practitioner", "team_manager"), team, True)
    worker = make_principal("social_worker", ("practitioner",), team, False)
    system = make_principal("business_support", ("system",), team, False)
    dsn = async_database_url(url).replace("postgresql+asyncpg://", "postgresql://")
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(async_database_url(url), pool_size=1)
    try:
        await add_directory_people(
            engine, team, [(manager, "manager"), (worker, "member"), (system, "member")]
        )
    finally:
        await engine.dispose()
    actors = {who.discipline: actor_for(state_dir, who) for who in (manager, worker, system)}
    alone = make_extract(team, args.families, args.people)
    loaded = make_extract(team, args.families, args.people, base=2 * args.people + 10_000)
    print(
        f"extract (twice, under other keys): {len(alone.families):,} families,"
        f" {len(alone.people):,} people, {len(alone.cases):,} cases ({alone.rows:,} rows)"
    )
    limits = httpx.Limits(max_connections=CLIENTS + 2, keepalive_expiry=2.0)
    async with (
        httpx.AsyncClient(
            base_url=f"{gateway_url}/workbook", limits=limits, timeout=120.0
        ) as client,
        httpx.AsyncClient(base_url=f"{gateway_url}/workbook", timeout=300.0) as importer,
    ):
        system_actor = actors["business_support"]
        print("\n(a) the extract imported alone, through the gateway")
        elapsed, cpu, jobs = await timed_import(importer, system_actor, workbook, alone)
        report_jobs(jobs)
        rate = alone.rows / elapsed
        print(
            f"  import: {alone.rows:,} rows in {elapsed:.1f} s = {rate:,.0f} rows/s"
            f" (workbook CPU {cpu:.1f} s, {cpu / alone.rows * 1e6:.0f} us/row)"
        )
        stored = stored_rows(alone, system.practitioner_id)
        stored_count = sum(len(rows) for rows in stored.values())
        copy_seconds = await copy_stored(dsn, stored)
        raw_seconds = await copy_extract(dsn, alone)
        copy_rate, raw_rate = alone.rows / copy_seconds, alone.rows / raw_seconds
        print(
            f"  COPY of the stored rows ({stored_count:,} rows in 6 tables, indexes and checks):"
            f" {copy_seconds:.2f} s = {copy_rate:,.0f} extract rows/s"
        )
        print(f"  COPY of the extract's rows into bare text tables: {raw_seconds:.2f} s")
        print(
            f"  import rate = x{rate / copy_rate:.3f} of COPY of the stored rows"
            f" (budget >= x0.05); x{rate / raw_rate:.3f} of COPY of the bare extract"
        )

        print("\n(b) the same extract again (other keys) while 4 clients act as a social worker")
        case_id = await open_worker_case(client, actors["team_manager"], actors["social_worker"])
        load = Load(client, actors["social_worker"], case_id, [])
        for _ in range(40):
            await load.once(0)
        idle = await load.window(IDLE_SECONDS)
        loads = [os.getloadavg()[0]]
        stop = asyncio.Event()
        loop = asyncio.create_task(load.run(stop))
        elapsed, cpu, jobs = await timed_import(importer, system_actor, workbook, loaded)
        stop.set()
        await loop
        during = list(load.samples)
        loads.append(os.getloadavg()[0])
        # Idle again after: the machine is shared, and its load drifts over minutes.
        idle += await load.window(IDLE_SECONDS)
        loads.append(os.getloadavg()[0])
    report_jobs(jobs)
    print(
        f"  import under load: {loaded.rows:,} rows in {elapsed:.1f} s"
        f" = x{loaded.rows / elapsed / copy_rate:.3f} of COPY"
    )
    shown = ", ".join(f"{value:.1f}" for value in loads)
    print(f"  machine load average (before, after the import, at the end): {shown}")
    idle_p99 = latency("idle (before and after)", idle)
    during_p99 = latency("while importing", during)
    print(f"  p99 while importing = x{during_p99 / idle_p99:.2f} of idle (budget <= x2)")


async def timed_import(
    importer: httpx.AsyncClient, system: Actor, workbook: Child, extract: Extract
) -> tuple[float, float, dict[str, dict[str, Any]]]:
    """Import the three files in order: seconds, the workbook's CPU seconds, the jobs."""
    cpu_before = process_group_cpu_seconds(workbook.pgid)
    started = time.perf_counter()
    jobs = {}
    for kind in ("families", "people", "cases"):
        jobs[kind] = await import_file(importer, system, kind, getattr(extract, kind))
    elapsed = time.perf_counter() - started
    return elapsed, process_group_cpu_seconds(workbook.pgid) - cpu_before, jobs


def report_jobs(jobs: dict[str, dict[str, Any]]) -> None:
    for kind, job in jobs.items():
        print(f"  {kind:<9} {job['status']}: {job['summary']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--families", type=int, default=30_000)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    log_root = Path(tempfile.mkdtemp(prefix="fsm-import-bench-"))
    try:
        with throwaway_database(ROOT / ".fsm") as (url, where):
            print(f"database: throwaway database on the {where}")
            state_dir = log_root / "state"
            state_dir.mkdir()
            upgrade_all(url)
            ensure_dev_keys(state_dir)
            children = Children(log_root)
            try:
                gateway_url, _, workbook = start_services(children, url, state_dir)
                asyncio.run(run(gateway_url, workbook, url, state_dir, args))
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
        print("\nimport_bench: interrupted; every process it started has been stopped")
        sys.exit(130)
