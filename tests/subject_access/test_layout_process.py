"""The bundle is laid out in a child process: if that child dies (killed, out of memory), the
export fails saying so, and the next bundle is laid out by a new child."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import httpx
from fastapi import FastAPI

from services.documents.process import LayoutProcesses
from tests.subject_access.helpers import DPO, export, register, wait_for
from tests.subject_access.world import sar_world
from tests.workbook.conftest import Headers
from tests.workbook.factories import record_entry
from workbook_api.subject_access.runner import ExportRunner


class KilledMidJob(LayoutProcesses):
    """A real pool whose child the test kills (SIGKILL) as soon as it starts."""

    async def run(self, function: Any, *args: object) -> Any:
        job = asyncio.ensure_future(super().run(function, *args))
        for _ in range(5000):
            if self.worker_pids():
                break
            await asyncio.sleep(0.002)
        os.kill(self.worker_pids()[0], signal.SIGKILL)
        return await job


def the_runner(client: httpx.AsyncClient) -> ExportRunner:
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport)
    app = transport.app
    assert isinstance(app, FastAPI)
    runner: ExportRunner = app.state.subject_access_runner
    return runner


async def reviewed_export(client: httpx.AsyncClient, dpo: dict[str, str], sar_id: str) -> str:
    ready = await export(client, dpo, sar_id)
    base = f"/subject-access/exports/{ready['id']}"
    confirmed = await client.post(f"{base}/redactions/confirm-remaining", headers=dpo)
    assert confirmed.status_code == 200, confirmed.text
    queued = await client.post(f"{base}/bundle", headers=dpo)
    assert queued.status_code == 202, queued.text
    return str(ready["id"])


async def test_a_killed_layout_child_fails_its_export_and_the_next_bundle_is_laid_out(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await sar_world(client, as_)
    await record_entry(client, as_(world.social_worker), world.case["id"])
    dpo = as_(DPO)
    sar = await register(client, dpo, world.member("Dana"))
    runner = the_runner(client)
    kept = runner.layout
    killing = runner.layout = KilledMidJob()
    try:
        export_id = await reviewed_export(client, dpo, sar["id"])
        for _ in range(300):
            failed = (await client.get(f"/subject-access/exports/{export_id}", headers=dpo)).json()
            if failed["status"] != "bundling":
                break
            await asyncio.sleep(0.1)
    finally:
        runner.layout = kept
        await killing.close()
    assert failed["status"] == "failed", failed
    assert failed["failure"] == (
        "The process laying out the bundle stopped before it finished (it may have run out"
        " of memory)."
    )
    missing = await client.get(f"/subject-access/exports/{export_id}/bundle.pdf", headers=dpo)
    assert missing.status_code in (404, 409), missing.text

    again = await reviewed_export(client, dpo, sar["id"])
    await wait_for(client, dpo, again, "bundled")
    pdf = await client.get(f"/subject-access/exports/{again}/bundle.pdf", headers=dpo)
    assert pdf.status_code == 200, pdf.text
    assert pdf.content.startswith(b"%PDF")
    assert runner.layout.worker_pids()
    assert os.getpid() not in runner.layout.worker_pids()
