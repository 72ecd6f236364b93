"""Benchmark a family's chronology against a case's (run by hand, not a test).

    .venv/bin/python bench/family_chronology_bench.py [--reads 100] [--entries 10000]

A family's chronology reads every case of the family the caller may see, each case through its
own (case_id, time, id) indexes with the page limit pushed in, so its first page should cost
about what one case's does, however long each case's record is. Two families are built through
the gateway, each with three cases (a Family Safeguarding case since closed, an early help case
and a Family Safeguarding case open again, as after a step down and a step up), all with the
bench's social worker allocated; their entries and events are bulk-inserted with SQL: 100 per
case in the small family, `--entries` per case in the large one. The reads, interleaved so that
drift on the shared machine hits them alike, are:

- the first page (50) of one case's chronology of the large family (the baseline);
- the first page of the small family's chronology (3 x 100 entries);
- the first page of the large family's chronology (3 x `--entries`).

It prints p50/p99 of each and the ratios to the baseline and to the small family, measured in
the same run. What the ratios should show: the large family's page within x2 of one case's
(three cases' branches instead of one), and within x1.5 of the small family's (flat as the
record grows). The deployed shape, the database and the clean-up are workbook_bench.py's.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
import tempfile
import time
import uuid
import warnings
from pathlib import Path
from typing import Any, Final

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway_bench import Child, Children, throwaway_database  # noqa: E402
from workbook_bench import (  # noqa: E402  (bench/ is the script's directory)
    BULK_ENTRIES,
    BULK_EVENTS,
    PAGE,
    Actor,
    Api,
    People,
    call,
    known_to_the_workbook,
    open_case,
    report,
    seed_people,
    start_services,
)

from services.dev_keys import ensure_dev_keys  # noqa: E402
from services.migrate import upgrade_all  # noqa: E402
from services.settings import async_database_url  # noqa: E402

BUDGET_VS_CASE: Final = 2.0
BUDGET_VS_SMALL_FAMILY: Final = 1.5


async def _case_of(
    api: Api, manager: Actor, worker: Actor, family_id: str, team: str, kind: str
) -> str:
    """Another case of the family, its worker allocated."""
    body = {"family_id": family_id, "owning_team_id": team, "reason": "Benchmark", "kind": kind}
    case: dict[str, Any] = (await call(api, "POST", "/cases", manager, json=body)).json()
    allocation = {
        "practitioner_id": str(worker.principal.practitioner_id),
        "practitioner_name": worker.principal.display_name,
        "discipline": worker.principal.discipline,
        "is_allocated_social_worker": True,
    }
    await call(api, "POST", f"/cases/{case['id']}/allocations", manager, json=allocation)
    return str(case["id"])


async def _fill(engine: AsyncEngine, case_id: str, author: Actor, entries: int) -> None:
    async with engine.begin() as connection:
        episode_id = await connection.scalar(
            text("SELECT id FROM workbook.episode WHERE case_id = :c ORDER BY number DESC LIMIT 1"),
            {"c": case_id},
        )
        await connection.execute(
            BULK_ENTRIES,
            {
                "case_id": case_id,
                "episode_id": episode_id,
                "author_id": author.principal.practitioner_id,
                "n": entries,
            },
        )
        await connection.execute(
            BULK_EVENTS,
            {"case_id": case_id, "prefix": f"bench-{case_id}-", "n": max(1, entries // 20)},
        )


async def build_family(
    api: Api, engine: AsyncEngine, manager: Actor, worker: Actor, team: uuid.UUID, entries: int
) -> tuple[str, list[str]]:
    """A family with a closed Family Safeguarding case, an early help case and a Family
    Safeguarding case open again; `entries` entries in each. Its id and its cases' ids."""
    first = await open_case(api, manager, worker, team)
    family_id = str(first["family_id"])
    await _fill(engine, str(first["id"]), worker, entries)
    await call(
        api,
        "POST",
        f"/cases/{first['id']}/close",
        manager,
        json={"reason": "Stepped down to early help"},
        headers={"If-Match": "*"},
    )
    early = await _case_of(api, manager, worker, family_id, str(team), "early_help")
    await _fill(engine, early, worker, entries)
    again = await _case_of(api, manager, worker, family_id, str(team), "family_safeguarding")
    await _fill(engine, again, worker, entries)
    return family_id, [str(first["id"]), early, again]


async def run(
    api: Api, engine: AsyncEngine, people: People, state_dir: Path, reads: int, entries: int
) -> None:
    manager, worker = people.actor(state_dir, "manager"), people.actor(state_dir, "worker")
    await known_to_the_workbook(engine, people.worker.practitioner_id)
    small, _ = await build_family(api, engine, manager, worker, people.team, 100)
    large, large_cases = await build_family(api, engine, manager, worker, people.team, entries)
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE workbook.entry"))
        await connection.execute(text("ANALYZE workbook.chronology_event"))
    paths = {
        "one case": f"/cases/{large_cases[-1]}/chronology?limit={PAGE}",
        "small family": f"/families/{small}/chronology?limit={PAGE}",
        "large family": f"/families/{large}/chronology?limit={PAGE}",
    }

    async def read(path: str) -> float:
        started = time.perf_counter()
        response = await call(api, "GET", path, worker)
        elapsed = (time.perf_counter() - started) * 1000
        assert len(response.json()["items"]) == PAGE, path
        return elapsed

    print(f"\nfirst chronology page (limit={PAGE}), {entries} entries per case in the large family")
    for order in ("asc", "desc"):
        for path in paths.values():
            for _ in range(20):
                await read(f"{path}&order={order}")
        samples: dict[str, list[float]] = {label: [] for label in paths}
        for _ in range(reads):
            for label, path in paths.items():
                samples[label].append(await read(f"{path}&order={order}"))
        print(f"  order={order}")
        results = {label: report(label, samples[label]) for label in paths}
        case50, _ = results["one case"]
        small50, _ = results["small family"]
        large50, _ = results["large family"]
        print(
            f"    large family / one case:     p50 x{large50 / case50:4.2f}"
            f" (budget x{BUDGET_VS_CASE})"
        )
        print(
            f"    large family / small family: p50 x{large50 / small50:4.2f}"
            f" (budget x{BUDGET_VS_SMALL_FAMILY})"
        )


async def main_async(
    gateway_url: str,
    processes: tuple[Child, Child],
    url: str,
    people: People,
    state_dir: Path,
    reads: int,
    entries: int,
) -> None:
    engine = create_async_engine(async_database_url(url), pool_size=2)
    try:
        async with httpx.AsyncClient(base_url=f"{gateway_url}/workbook", timeout=60.0) as client:
            api = Api(client, *processes)
            await run(api, engine, people, state_dir, reads, entries)
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--reads", type=int, default=100, help="reads of each page (100)")
    parser.add_argument("--entries", type=int, default=10_000, help="entries per large case")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    log_root = Path(tempfile.mkdtemp(prefix="fsm-family-chronology-bench-"))
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
                asyncio.run(
                    main_async(
                        gateway_url,
                        (gateway, workbook),
                        url,
                        people,
                        state_dir,
                        args.reads,
                        args.entries,
                    )
                )
            finally:
                children.stop_all()
    finally:
        shutil.rmtree(log_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nfamily_chronology_bench: interrupted; every process it started has been stopped")
        sys.exit(130)
