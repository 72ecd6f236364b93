"""PDFs are laid out in a child process: another PID, the same bytes, a killed child fails its
job only, and shutting down leaves no process behind."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from intervention_api.assessments import document
from services.documents.process import LayoutProcessDied, LayoutProcesses
from tests.kernel import layout_jobs
from workbook_api.subject_access.bundle import ConfirmedRedaction, Cover, GatheredItem, lay_out

PRODUCED = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)


@pytest.fixture
async def layout() -> AsyncIterator[LayoutProcesses]:
    processes = LayoutProcesses()
    try:
        yield processes
    finally:
        await processes.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def first_worker(layout: LayoutProcesses) -> int:
    for _ in range(1000):
        if pids := layout.worker_pids():
            return pids[0]
        await asyncio.sleep(0.01)
    raise AssertionError("no layout process started")


def visit(n: int) -> str:
    return f"Visit {n}: Pat Fenwick was at the door. " + "The children were well. " * 30


def a_bundle(records: int) -> tuple[Cover, tuple[list[GatheredItem], list[ConfirmedRedaction]]]:
    cover = Cover(
        uuid4(), "Dana Whitfield", "Dana Whitfield", date(2026, 11, 2), date(2026, 12, 2), PRODUCED
    )
    items = [
        GatheredItem(
            uuid4(),
            n,
            "workbook",
            "home_visit",
            str(uuid4()),
            None,
            PRODUCED,
            f"Home visit {n}",
            "Alex Morgan",
            [{"label": "Narrative", "text": visit(n)}],
            "final",
        )
        for n in range(records)
    ]
    # Pat Fenwick withheld in every record.
    confirmed = [
        ConfirmedRedaction(
            item.id, 0, visit(n).index("Pat"), visit(n).index(" was"), "member_of_public"
        )
        for n, item in enumerate(items)
    ]
    return cover, (items, confirmed)


def an_assessment() -> document.PrintedAssessment:
    evidence = [document.PrintedEvidence(uuid4(), "Home visit", PRODUCED)]
    return document.PrintedAssessment(
        uuid4(),
        uuid4(),
        2,
        uuid4(),
        "Parenting assessment of Zofia Łukasiewicz",
        "signed_off",
        uuid4(),
        None,
        "Alex Morgan",
        PRODUCED,
        "Sam Patel",
        "Agreed.",
        [document.PrintedSection("Basic care", "Calm bedtime routine. " * 200, evidence)],
        [document.PrintedStep("sign_off", "Sam Patel", PRODUCED)],
    )


async def test_a_job_runs_in_another_process_started_on_the_first_job(
    layout: LayoutProcesses,
) -> None:
    assert layout.worker_pids() == []
    pid = await layout.run(layout_jobs.process_id)
    assert pid != os.getpid()
    assert layout.worker_pids() == [pid]
    # The pool stays: the next job runs in the same child.
    assert await layout.run(layout_jobs.process_id) == pid


async def test_the_child_lays_out_the_same_bytes_as_this_process(
    layout: LayoutProcesses,
) -> None:
    cover, source = a_bundle(30)
    pdf, json_document = await layout.run(lay_out, cover, source)
    assert (pdf, json_document) == lay_out(cover, source)
    assert b"[REDACTED: third party: member of the public]" in json_document
    assert b"Pat Fenwick" not in json_document
    assessment = an_assessment()
    printed = await layout.run(document.render, assessment, PRODUCED, "Whitfield")
    assert printed.startswith(b"%PDF")
    assert printed == document.render(assessment, PRODUCED, "Whitfield")


async def test_the_child_imports_the_layout_not_the_app(layout: LayoutProcesses) -> None:
    modules = set(await layout.run(layout_jobs.modules_after_layout))
    assert "fpdf" in modules
    heavy = {"fastapi", "sqlalchemy", "asyncpg", "pydantic", "workbook_api.app"}
    assert not modules & heavy, modules & heavy
    assert "intervention_api.assessments.schemas" not in modules


async def test_a_child_killed_mid_job_fails_that_job_and_the_next_job_gets_a_new_child(
    layout: LayoutProcesses,
) -> None:
    job = asyncio.ensure_future(layout.run(layout_jobs.sleep_for, 60))
    killed = await first_worker(layout)
    os.kill(killed, signal.SIGKILL)
    with pytest.raises(LayoutProcessDied, match="ended before it finished"):
        await asyncio.wait_for(job, 30)
    cover, source = a_bundle(3)
    pdf, _ = await layout.run(lay_out, cover, source)
    assert pdf.startswith(b"%PDF")
    assert layout.worker_pids()
    assert killed not in layout.worker_pids()


async def test_shutting_down_leaves_no_child_even_mid_job(tmp_path: Path) -> None:
    layout = LayoutProcesses()
    child = await layout.run(layout_jobs.process_id)
    started = tmp_path / "started"
    job = asyncio.ensure_future(layout.run(layout_jobs.sleep_for, 60, str(started)))
    for _ in range(1000):
        if started.exists():
            break
        await asyncio.sleep(0.01)
    assert started.exists(), "the job never started"
    began = asyncio.get_running_loop().time()
    await layout.close()
    assert asyncio.get_running_loop().time() - began < 10
    assert not alive(child)
    with pytest.raises(LayoutProcessDied):
        await asyncio.wait_for(job, 10)
    with pytest.raises(RuntimeError, match="shut down"):
        await layout.run(layout_jobs.process_id)
