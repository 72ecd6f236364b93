"""The whole stack as `fsm run` starts it (embedded PostgreSQL, every unit), for fault tests.

It runs in a private state dir on free ports, so killing, pausing or stopping its database
never touches the shared test database or anyone else's server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from gateway.settings import AUDIENCE_DEFAULT, DEV_ISSUER_DEFAULT
from services.dev_keys import load_dev_keys, mint_dev_access_token
from services.registry import UNITS
from tests.support.tcp_proxy import free_port

READY_BANNER = "Press Ctrl-C"


@dataclass
class Stack:
    """A running `fsm run` and where to reach it."""

    process: subprocess.Popen[bytes]
    state_dir: Path
    ports: dict[str, int]
    out: Path
    err: Path

    @property
    def pgdata(self) -> Path:
        return self.state_dir / "pgdata"

    def url(self, unit: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[unit]}{path}"

    def token(self, subject: str) -> str:
        """A development access token the gateway accepts."""
        keys = load_dev_keys(self.state_dir)
        return mint_dev_access_token(
            keys, subject=subject, issuer=DEV_ISSUER_DEFAULT, audience=AUDIENCE_DEFAULT
        )

    def postmaster_pid(self) -> int:
        """The pid of the postmaster serving the stack now (from its postmaster.pid)."""
        return int((self.pgdata / "postmaster.pid").read_text().splitlines()[0])

    def log(self) -> str:
        return self.err.read_text(errors="replace")


def children_of(pid: int) -> list[int]:
    """The pids whose parent is `pid` (PostgreSQL's backends and workers for a postmaster)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces; fields after its ")" are fixed.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Whether a process exists (a zombie counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll `condition()` until true; return the seconds it took, fail after `timeout`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, f"{what}: not within {timeout}s"
        time.sleep(0.1)
    return time.monotonic() - started


@contextmanager
def running_stack(state_dir: Path, logs: Path, ready_timeout: float = 120) -> Iterator[Stack]:
    """Start `fsm run` on free ports over an embedded database in `state_dir`; stop it after."""
    ports = {unit.name: free_port() for unit in UNITS}
    flags = [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FSM_") and k != "DATABASE_URL"}
    env["FSM_STATE_DIR"] = str(state_dir)
    out, err = logs / "run.out", logs / "run.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "run", "--stop-timeout", "5", *flags],
            env=env,
            cwd=logs,
            stdout=stdout,
            stderr=stderr,
        )
    stack = Stack(process, state_dir, ports, out, err)
    try:
        deadline = time.monotonic() + ready_timeout
        while READY_BANNER not in out.read_text():
            assert process.poll() is None, stack.log()[-4000:]
            assert time.monotonic() < deadline, stack.log()[-4000:]
            time.sleep(0.2)
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def get(stack: Stack, unit: str, path: str, token: str | None = None) -> httpx.Response:
    """One request to a unit of the stack, with a bearer token when given."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(stack.url(unit, path), headers=headers, timeout=10)
