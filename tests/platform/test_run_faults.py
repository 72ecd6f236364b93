"""`fsm run` under database faults: the embedded PostgreSQL is supervised like any other child.

One stack serves the whole module (starting it costs ~20 s); the test that stops it runs last.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.stack import Stack, alive, children_of, get, running_stack, wait_until

pytestmark = pytest.mark.slow

SOCIAL_WORKER = "demo-social-worker-north"
OPEN_CASES = "/workbook/cases?status=open"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`fsm run` over an embedded database of its own, in a private state dir.

    Not under pytest's temporary root: every pytest run on the machine resets that to 0700,
    which would lock out the database's unprivileged account between a start and a restart.
    """
    state_dir = Path(tempfile.mkdtemp(prefix="fsm-faults-"))
    try:
        with running_stack(state_dir, tmp_path_factory.mktemp("run-logs")) as running:
            yield running
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


def test_a_killed_postmaster_is_restarted_and_stopping_leaves_no_postgres(stack: Stack) -> None:
    token = stack.token(SOCIAL_WORKER)
    assert get(stack, "gateway", OPEN_CASES, token).status_code == 200
    first = stack.postmaster_pid()
    first_family = {first, *children_of(first)}

    os.kill(first, signal.SIGKILL)

    def serving() -> bool:
        try:
            return get(stack, "gateway", OPEN_CASES, token).status_code == 200
        except httpx.HTTPError:
            return False

    # Crash recovery fsyncs the data folder first: a few seconds on a slow disk.
    wait_until(serving, timeout=30, what="requests after the postmaster was killed")
    second = stack.postmaster_pid()
    assert second != first
    assert stack.process.poll() is None
    assert "database (pid" in stack.log()
    every_postgres = first_family | {second, *children_of(second)}

    stack.process.send_signal(signal.SIGINT)

    assert stack.process.wait(timeout=30) == 0, stack.log()[-4000:]
    wait_until(
        lambda: not any(alive(pid) for pid in every_postgres),
        timeout=5,
        what="every postgres process of the stack gone",
    )
    assert not (stack.pgdata / "postmaster.pid").exists()
