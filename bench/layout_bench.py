"""How much a subject access bundle being laid out slows the other requests of its workbook
process: in a thread of the process (the old way) and in a child process (the new way).

On a throwaway database, the workbook's real app is served by uvicorn on a loopback port in
this process (its lifespan run, as in production). A reader in another process (so that its
own timing is not slowed by this process) sends small reads one after another (GET
/subject-access/requests as the DPO: authenticated, audited, one query) for a fixed window,
three times: with nothing else running, while bundles of N records (default 10,000) are laid
out one after another in a thread of the workbook process (`asyncio.to_thread`, as before),
and while the same bundles are laid out in the workbook's layout process
(services/documents/process.py). It reports each window's median and p95 latency, each
against the quiet window as a ratio, and the answers that were not 200 (a 503 when a read
passed the database-wait budget).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import AsyncExitStack
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

import httpx

ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway_bench import throwaway_database  # noqa: E402  (bench/ is the script's directory)
from sar_bench import DPO  # noqa: E402

from services.migrate import upgrade_all  # noqa: E402
from services.settings import KernelSettings  # noqa: E402
from workbook_api.subject_access.bundle import (  # noqa: E402
    BundleSource,
    ConfirmedRedaction,
    Cover,
    GatheredItem,
    lay_out,
)

READ: Final = "/subject-access/requests"
PAUSE_SECONDS: Final = 0.02
NOTE: Final = (
    "Home visit. Dana and Lee were at home with Rory, who was playing in the front room."
    " Pat Fenwick from next door called round during the visit. Alex Morgan discussed the"
    " safety plan and the recovery worker's sessions; both parents agreed the next steps."
)


def reads(url: str, token: str, seconds: float) -> list[tuple[float, int]]:
    """In the reader process: (seconds, status) of each read for `seconds`, one at a time."""
    answered = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        client.get(READ)  # connected before the clock starts
        ends = time.perf_counter() + seconds
        while time.perf_counter() < ends:
            started = time.perf_counter()
            status = client.get(READ).status_code
            answered.append((time.perf_counter() - started, status))
            time.sleep(PAUSE_SECONDS)
    return answered


def a_bundle(records: int) -> tuple[Cover, BundleSource]:
    """A bundle like the SAR bench's: home visit notes naming a neighbour, withheld."""
    now = datetime.now(UTC)
    cover = Cover(uuid.uuid4(), "Dana Whitfield", "Dana Whitfield", date.today(), date.today(), now)
    items, confirmed = [], []
    start, end = NOTE.index("Pat Fenwick"), NOTE.index(" from next door")
    for n in range(records):
        item = GatheredItem(
            uuid.uuid4(),
            n,
            "workbook",
            "home_visit",
            str(uuid.uuid4()),
            None,
            now,
            "Home visit",
            "Alex Morgan",
            [{"label": "Record", "text": NOTE}],
            "final",
        )
        items.append(item)
        confirmed.append(ConfirmedRedaction(item.id, 0, start, end, "member_of_public"))
    return cover, (items, confirmed)


Report = dict[str, float]


def summary(answered: list[tuple[float, int]]) -> Report:
    latencies = sorted(seconds * 1000 for seconds, _ in answered)
    return {
        "reads": len(latencies),
        "median": statistics.median(latencies),
        "p95": latencies[int(0.95 * (len(latencies) - 1))],
        "not_200": sum(1 for _, status in answered if status != 200),
    }


async def window(
    readers: ProcessPoolExecutor,
    url: str,
    token: str,
    seconds: float,
    layout: Callable[[], Awaitable[object]] | None,
) -> tuple[Report, int]:
    """Reads for `seconds`, with bundles laid out one after another meanwhile if `layout`."""
    loop = asyncio.get_running_loop()
    reader = loop.run_in_executor(readers, reads, url, token, seconds)
    bundles = 0
    while layout is not None and not reader.done():
        await layout()
        bundles += 1
    return summary(await reader), bundles


async def run(url: str, records: int, seconds: float, state_dir: Path) -> None:
    from services.dev_keys import ensure_dev_keys, load_dev_keys
    from services.documents.process import LayoutProcesses
    from services.internal_token import InternalTokenIssuer
    from tests.gateway.upstreams import serve
    from workbook_api.app import create_app as create_workbook
    from workbook_api.settings import WorkbookSettings

    ensure_dev_keys(state_dir)
    keys = load_dev_keys(state_dir)
    issuer = InternalTokenIssuer(keys.internal_private_pem, keys.internal_kid)
    kernel = KernelSettings(
        environment="test", database_url=url, state_dir=state_dir, log_level="WARNING"
    )
    cover, source = a_bundle(records)
    started = time.perf_counter()
    lay_out(cover, source)
    print(
        f"one bundle of {records:,} records laid out in this process: "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )
    spawn = multiprocessing.get_context("spawn")
    async with AsyncExitStack() as stack:
        workbook = create_workbook(WorkbookSettings.model_validate(kernel.model_dump()))
        await stack.enter_async_context(workbook.router.lifespan_context(workbook))
        served = await stack.enter_async_context(serve(workbook))
        readers = stack.enter_context(ProcessPoolExecutor(1, mp_context=spawn))
        layout: LayoutProcesses = workbook.state.layout_processes
        await layout.run(os.getpid)  # the child started before its window, as in service

        async def in_thread() -> object:
            return await asyncio.to_thread(lay_out, cover, source)

        async def in_child() -> object:
            return await layout.run(lay_out, cover, source)

        results = {}
        for name, laying_out in (("quiet", None), ("thread", in_thread), ("child", in_child)):
            token = issuer.token_for(DPO, "workbook")  # they live a minute: one per window
            results[name] = await window(readers, served, token, seconds, laying_out)
            report, bundles = results[name]
            print(f"  {name}: {report['reads']:.0f} reads, {bundles} bundles", flush=True)
    quiet = results["quiet"][0]
    print(f"reads of {READ} for {seconds:.0f} s each, a pause of {PAUSE_SECONDS * 1000:.0f} ms")
    print(f"{'window':<34}{'median ms':>10}{'p95 ms':>10}{'x quiet':>16}{'not 200':>9}")
    for name, label in (
        ("quiet", "nothing else running"),
        ("thread", "bundles in a thread (old)"),
        ("child", "bundles in a child process (new)"),
    ):
        report = results[name][0]
        ratio = f"{report['median'] / quiet['median']:.1f} / {report['p95'] / quiet['p95']:.1f}"
        print(
            f"{label:<34}{report['median']:>10.1f}{report['p95']:>10.1f}{ratio:>16}"
            f"{report['not_200']:>9.0f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000, help="records (default 10,000)")
    parser.add_argument("--seconds", type=float, default=20.0, help="each window (default 20)")
    args = parser.parse_args()
    print(f"load: {Path('/proc/loadavg').read_text().strip()} ({os.cpu_count()} CPUs)")
    with throwaway_database(ROOT / ".fsm") as (url, where):
        print(f"database: a throwaway one on the {where}")
        upgrade_all(url)
        with tempfile.TemporaryDirectory(prefix="fsm-bench-layout-") as state:
            asyncio.run(run(url, args.records, args.seconds, Path(state)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
