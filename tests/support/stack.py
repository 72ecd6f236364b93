"""The whole stack as an operator starts it (`fsm run`), on free ports, for end-to-end tests.

Each stack gets a state folder of its own (development keys, and the embedded database when no
`database_url` is given) and free ports for every unit and every metrics endpoint, so it never
touches the shared test database, a developer's `make run`, or another test's stack. `fsm run`
migrates and loads the demo data, as on a developer's machine. Stopping sends SIGINT, as Ctrl-C
would, so the supervisor stops every child it started, the embedded database last.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from gateway.settings import AUDIENCE_DEFAULT, DEV_ISSUER_DEFAULT
from services.dev_keys import ensure_dev_keys, mint_dev_access_token
from services.registry import GATEWAY, UNITS

READY_LINE = "Press Ctrl-C to stop."
START_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 30.0


class StackFailed(RuntimeError):
    """`fsm run` exited or never said it was ready; the message carries its output."""


@dataclass
class Stack:
    """A running `fsm run`: its process, where its units listen, how to act as someone."""

    process: subprocess.Popen[bytes]
    state_dir: Path
    log_dir: Path
    ports: dict[str, int]

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports[GATEWAY.name]}"

    @property
    def pgdata(self) -> Path:
        return self.state_dir / "pgdata"

    def url(self, unit: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[unit]}{path}"

    def token(self, subject: str, ttl_seconds: int = 900) -> str:
        """Mint a development access token for `subject`, as `fsm token --sub` would."""
        # The stack runs without the caller's FSM_* variables, so with the gateway's defaults.
        return mint_dev_access_token(
            ensure_dev_keys(self.state_dir),
            subject=subject,
            issuer=DEV_ISSUER_DEFAULT,
            audience=AUDIENCE_DEFAULT,
            ttl_seconds=ttl_seconds,
        )

    def postmaster_pid(self) -> int:
        """The pid of the postmaster serving the stack now (from its postmaster.pid)."""
        return int((self.pgdata / "postmaster.pid").read_text().splitlines()[0])

    def log(self, tail: int | None = None) -> str:
        """What `fsm run` said on both streams (the last `tail` characters of each)."""
        return "\n".join(
            f"--- {name} ---\n{(self.log_dir / name).read_text(errors='replace')[-(tail or 0) :]}"
            for name in ("run.out", "run.err")
        )


# The browser tests' name for it.
RunningStack = Stack


def _environment(state_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FSM_") and k != "DATABASE_URL"}
    env["FSM_STATE_DIR"] = str(state_dir)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


def distinct_free_ports(count: int) -> list[int]:
    """`count` ports free now and different from each other (all held open while chosen)."""
    with ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


@contextmanager
def running_stack(
    work_dir: Path, *, database_url: str | None = None, state_dir: Path | None = None
) -> Iterator[Stack]:
    """Run `fsm run` until the block ends; raise StackFailed if it will not start.

    Without `database_url` the stack runs its own embedded PostgreSQL in `state_dir`.
    """
    state_dir = state_dir or work_dir / "state"
    log_dir = work_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    numbers = distinct_free_ports(2 * len(UNITS))
    ports = {unit.name: numbers.pop() for unit in UNITS}
    flags = [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    flags += [arg for unit in UNITS for arg in (f"--{unit.name}-metrics-port", str(numbers.pop()))]
    with (log_dir / "run.out").open("wb") as stdout, (log_dir / "run.err").open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "run", "--stop-timeout", "5", *flags],
            env=_environment(state_dir, database_url),
            cwd=work_dir,
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
        )
    stack = Stack(process, state_dir, log_dir, ports)
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while READY_LINE not in (log_dir / "run.out").read_text(errors="replace"):
            if process.poll() is not None:
                raise StackFailed(f"fsm run exited with {process.returncode}\n{stack.log(4000)}")
            if time.monotonic() > deadline:
                raise StackFailed(f"fsm run was not ready in time\n{stack.log(4000)}")
            time.sleep(0.1)
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


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


def get(stack: Stack, unit: str, path: str, token: str | None = None) -> httpx.Response:
    """One request to a unit of the stack, with a bearer token when given."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(stack.url(unit, path), headers=headers, timeout=10)
