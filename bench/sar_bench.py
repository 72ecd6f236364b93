"""How long a subject access request takes, from export to bundle, for a family with a long
record, against a plain SQL export of the same rows.

On a throwaway database, one family (two parents and a child) is given one case with N
entries (default 10,000) by bulk SQL: home visits whose notes name the family and a neighbour
known to the record, and recovery session logs about each parent with restricted detail.
Then, through the workbook's real app over ASGI (with supervision, interventions and the
pathway served on loopback ports for the export to read as the DPO), it times: starting the
export and its gathering and marking in the background runner; confirming the proposals; and
laying out the bundle (PDF with an index, and JSON). The baseline, in the same run, is
`COPY (SELECT ...) TO STDOUT` of the same entries' columns. The budget: the bundle in under
a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Final

import asyncpg  # type: ignore[import-untyped]
import httpx

ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gateway_bench import throwaway_database  # noqa: E402  (bench/ is the script's directory)

from services.migrate import upgrade_all  # noqa: E402
from services.principal import Principal  # noqa: E402
from services.settings import KernelSettings  # noqa: E402

BUDGET_SECONDS: Final = 60.0
DPO: Final = Principal(
    subject="bench|dpo",
    practitioner_id=uuid.uuid4(),
    display_name="Bench DPO",
    discipline="business_support",
    roles=frozenset({"dpo"}),
    team_ids=frozenset(),
    managed_team_ids=frozenset(),
)
TEAM: Final = uuid.uuid4()
WORKER: Final = uuid.uuid4()
FAMILY: Final = uuid.uuid4()
CASE: Final = uuid.uuid4()
EPISODE: Final = uuid.uuid4()
DANA, LEE, RORY, NEIGHBOUR_FAMILY, PAT = (uuid.uuid4() for _ in range(5))

_SEED: Final = (
    "INSERT INTO workbook.family (id, name, owning_team_id, created_by_practitioner_id, version)"
    " VALUES ($1, 'Whitfield', $3, $4, 1), ($2, 'Fenwick', $3, $4, 1)",
    "INSERT INTO workbook.person (id, family_id, role, given_name, family_name, version)"
    " VALUES ($1, $4, 'parent', 'Dana', 'Whitfield', 1), ($2, $4, 'parent', 'Lee',"
    " 'Whitfield', 1), ($3, $4, 'child', 'Rory', 'Whitfield', 1),"
    " ($5, $6, 'parent', 'Pat', 'Fenwick', 1)",
    "INSERT INTO workbook.safeguarding_case (id, family_id, owning_team_id, status, opened_at,"
    " opened_reason, opened_by_practitioner_id, version) VALUES ($1, $2, $3, 'open',"
    " now() - interval '3 years', 'Referral accepted at strategy discussion', $4, 1)",
    "INSERT INTO workbook.episode (id, case_id, number, opened_at, opened_by_event)"
    " VALUES ($1, $2, 1, now() - interval '3 years', 'case_opened')",
)
# Every third entry a restricted recovery session about one parent or the other; the rest
# home visits whose notes name the family, the neighbour and the social worker.
_ENTRIES: Final = """
INSERT INTO workbook.entry (id, case_id, episode_id, entry_type, status, author_id, author_name,
    discipline, event_at, finalised_at, significant, sensitivity, person_ids, narrative,
    shareable_summary, fields, restricted_fields, config_version, revision, version)
SELECT gen_random_uuid(), $1, $2,
    CASE WHEN n % 3 = 0 THEN 'mdt_session' ELSE 'home_visit' END,
    'final', $3, 'Alex Morgan',
    CASE WHEN n % 3 = 0 THEN 'recovery_worker' ELSE 'social_worker' END,
    now() - make_interval(mins => n * 90), now() - make_interval(mins => n * 90 - 30),
    n % 7 = 0,
    CASE WHEN n % 3 = 0 THEN 'restricted' ELSE 'standard' END,
    CASE WHEN n % 3 = 0 THEN ARRAY[CASE WHEN n % 2 = 0 THEN $4::uuid ELSE $5::uuid END]
         ELSE '{}'::uuid[] END,
    CASE WHEN n % 3 = 0
         THEN 'Session ' || n || ': talked through triggers and the week ahead.'
         ELSE 'Visit ' || n || ': Alex Morgan saw the family at home. Dana said Lee had been'
              || ' out late; neighbour Pat Fenwick mentioned noise on the landing. Rory showed'
              || ' his drawings and talked about school, his friends and the football club.'
    END,
    CASE WHEN n % 3 = 0 THEN 'Recovery session held.' END,
    CASE WHEN n % 3 = 0 THEN '{"attendance": "attended"}'::jsonb END,
    CASE WHEN n % 3 = 0
         THEN jsonb_build_object('test_taken', true, 'test_result',
              CASE WHEN n % 2 = 0 THEN 'negative' ELSE 'positive' END)
    END,
    CASE WHEN n % 3 = 0 THEN '2026.11-default.1' END,
    1, 1
FROM generate_series(1, $6) AS n
"""
_COPY: Final = (
    "SELECT id, entry_type, author_name, event_at, sensitivity, person_ids, narrative,"
    " shareable_summary, fields, restricted_fields FROM workbook.entry WHERE case_id = '{case}'"
    " ORDER BY event_at, id"
)


async def seed(url: str, entries: int) -> None:
    """The family, the neighbour, the case and its entries, by bulk SQL."""
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await connection.execute(_SEED[0], FAMILY, NEIGHBOUR_FAMILY, TEAM, WORKER)
        await connection.execute(_SEED[1], DANA, LEE, RORY, FAMILY, PAT, NEIGHBOUR_FAMILY)
        await connection.execute(_SEED[2], CASE, FAMILY, TEAM, WORKER)
        await connection.execute(_SEED[3], EPISODE, CASE)
        await connection.execute(_ENTRIES, CASE, EPISODE, WORKER, DANA, LEE, entries)
        await connection.execute("ANALYZE workbook.entry")
    finally:
        await connection.close()


async def plain_export(url: str) -> tuple[float, int]:
    """Seconds to COPY the same entries out as text, and the bytes it wrote."""
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    written = 0

    async def sink(chunk: bytes) -> None:
        nonlocal written
        written += len(chunk)

    try:
        started = time.perf_counter()
        await connection.copy_from_query(_COPY.format(case=CASE), output=sink)
        return time.perf_counter() - started, written
    finally:
        await connection.close()


async def until(client: httpx.AsyncClient, export: str, status: str) -> None:
    while True:
        answer = await client.get(f"/subject-access/exports/{export}")
        if answer.status_code == 503:
            # The database did not answer in time (a loaded machine): ask again shortly.
            await asyncio.sleep(0.5)
            continue
        # Anything else but the export is a failure to report, never a reason to poll for ever.
        if answer.status_code != 200:
            raise RuntimeError(f"reading the export answered {answer.status_code}: {answer.text}")
        found = answer.json()
        if found["status"] == status:
            return
        if found["status"] == "failed":
            raise RuntimeError(f"export failed: {found['failure']}")
        await asyncio.sleep(0.05)


async def timed_bundle(url: str, state_dir: Path) -> dict[str, float | int]:
    """Seconds for each step of the request through the real apps, and what they made."""
    from intervention_api.app import create_app as create_intervention
    from pathway_api.app import create_app as create_pathway
    from services.dev_keys import ensure_dev_keys, load_dev_keys
    from services.internal_token import InternalTokenIssuer
    from supervision_api.app import create_app as create_supervision
    from tests.gateway.upstreams import serve
    from workbook_api.app import create_app as create_workbook
    from workbook_api.settings import WorkbookSettings

    ensure_dev_keys(state_dir)
    keys = load_dev_keys(state_dir)
    issuer = InternalTokenIssuer(keys.internal_private_pem, keys.internal_kid)

    def fresh_token(request: httpx.Request) -> httpx.Request:
        # Internal tokens live a minute: a run longer than that (a loaded machine) needs new
        # ones, or every later request is a 401.
        request.headers["Authorization"] = f"Bearer {issuer.token_for(DPO, 'workbook')}"
        return request

    kernel = KernelSettings(
        environment="test", database_url=url, state_dir=state_dir, log_level="WARNING"
    )
    async with AsyncExitStack() as stack:
        urls = {}
        for name, build in (
            ("supervision", create_supervision),
            ("intervention", create_intervention),
            ("pathway", create_pathway),
        ):
            app = build(kernel)
            await stack.enter_async_context(app.router.lifespan_context(app))
            urls[name] = await stack.enter_async_context(serve(app))
        settings = WorkbookSettings.model_validate(
            kernel.model_dump() | {"unit_urls": urls, "subject_access_poll_seconds": 0.2}
        )
        workbook = create_workbook(settings)
        await stack.enter_async_context(workbook.router.lifespan_context(workbook))
        client = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=workbook),
                base_url="http://bench",
                timeout=120,
                auth=fresh_token,
            )
        )
        body = {
            "person_id": str(DANA),
            "requester_name": "Dana Whitfield",
            "requester_relationship": "self",
            "received_on": time.strftime("%Y-%m-%d"),
        }
        sar = (await client.post("/subject-access/requests", json=body)).json()
        started = time.perf_counter()
        export = (await client.post(f"/subject-access/requests/{sar['id']}/exports")).json()["id"]
        await until(client, export, "in_review")
        gathered = time.perf_counter()
        print(f"  gathered and marked in {gathered - started:.2f} s", flush=True)
        base = f"/subject-access/exports/{export}"
        confirmed = (await client.post(f"{base}/redactions/confirm-remaining")).json()["confirmed"]
        reviewed = time.perf_counter()
        print(f"  confirmed {confirmed:,} proposals in {reviewed - gathered:.2f} s", flush=True)
        await client.post(f"{base}/bundle")
        await until(client, export, "bundled")
        bundled = time.perf_counter()
        described = (await client.get(f"{base}/bundle")).json()
        pdf = await client.get(f"{base}/bundle.pdf")
        return {
            "gather": gathered - started,
            "confirm": reviewed - gathered,
            "bundle": bundled - reviewed,
            "total": bundled - started,
            "items": described["items"],
            "redactions": confirmed,
            "pdf_bytes": len(pdf.content),
        }


async def run(url: str, entries: int) -> bool:
    await seed(url, entries)
    with tempfile.TemporaryDirectory(prefix="fsm-bench-sar-") as state:
        measured = await timed_bundle(url, Path(state))
    copy_seconds, copy_bytes = await plain_export(url)
    total = float(measured["total"])
    print(f"entries: {entries:,}; records in the bundle: {measured['items']:,}")
    print(f"redactions proposed and confirmed: {measured['redactions']:,}")
    print(f"export (gather and mark, background runner): {measured['gather']:.2f} s")
    print(f"review (confirm the remaining proposals):   {measured['confirm']:.2f} s")
    print(
        f"bundle (PDF {measured['pdf_bytes']:,} bytes with index, and JSON): "
        f"{measured['bundle']:.2f} s"
    )
    print(f"subject access, export to bundle: {total:.2f} s (budget {BUDGET_SECONDS:.0f} s)")
    print(f"plain SQL export (COPY ... TO STDOUT, {copy_bytes:,} bytes): {copy_seconds:.3f} s")
    print(f"ratio to the plain export: {total / copy_seconds:.0f}x")
    within = total < BUDGET_SECONDS
    print("within budget" if within else "OVER BUDGET")
    return within


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000, help="entries (default 10,000)")
    args = parser.parse_args()
    with throwaway_database(ROOT / ".fsm") as (url, where):
        print(f"database: a throwaway one on the {where}")
        upgrade_all(url)
        return 0 if asyncio.run(run(url, args.entries)) else 1


if __name__ == "__main__":
    sys.exit(main())
