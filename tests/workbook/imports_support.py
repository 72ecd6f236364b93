"""Helpers for import tests: extract files in the SSD's columns, and waiting for a job."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json
import time
import uuid
from collections.abc import Sequence
from typing import Any

import httpx

SYSTEM = "mosaic"


def csv_file(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> bytes:
    """A CSV extract with a header row."""
    names = list(columns or rows[0].keys())
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def ndjson_file(rows: Sequence[dict[str, Any]]) -> bytes:
    """An NDJSON extract, one object per line."""
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def family_rows(team: uuid.UUID, count: int, prefix: str | None = None) -> list[dict[str, Any]]:
    """Families in the SSD's columns (and ours where it has none)."""
    tag = prefix or f"F{uuid.uuid4().hex[:8]}"
    return [
        {
            "fami_family_id": f"{tag}-{i}",
            "family_name": f"Imported family {i}",
            "owning_team_id": str(team),
        }
        for i in range(1, count + 1)
    ]


async def start_import(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    kind: str,
    content: bytes,
    *,
    media: str = "text/csv",
    dry_run: bool = False,
    gzipped: bool = False,
) -> httpx.Response:
    """POST a file to /imports."""
    extra = {"Content-Type": media}
    if gzipped:
        content = gzip.compress(content)
        extra["Content-Encoding"] = "gzip"
    return await client.post(
        "/imports",
        params={"kind": kind, "system": SYSTEM, "dry_run": str(dry_run).lower()},
        content=content,
        headers={**headers, **extra},
    )


async def finished(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str, within: float = 60.0
) -> dict[str, Any]:
    """The job once it has finished (succeeded, failed or cancelled)."""
    deadline = time.monotonic() + within
    while True:
        response = await client.get(f"/imports/{job_id}", headers=headers)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, f"import still {job['status']}: {job['summary']}"
        await asyncio.sleep(0.05)


async def run_import(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    kind: str,
    content: bytes,
    **options: Any,
) -> dict[str, Any]:
    """Import a file and wait for the job to finish."""
    response = await start_import(client, headers, kind, content, **options)
    assert response.status_code == 202, response.text
    return await finished(client, headers, response.json()["id"])


async def errors_of(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: str
) -> list[dict[str, Any]]:
    """Every row error of a job, following the pages."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": "200", **({"cursor": cursor} if cursor else {})}
        page = await client.get(f"/imports/{job_id}/errors", params=params, headers=headers)
        assert page.status_code == 200, page.text
        found += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return found
