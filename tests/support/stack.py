"""The whole stack as an operator starts it (`fsm run`), on free ports, for end-to-end tests.

Each stack gets a state folder of its own (development keys) and the database it is given; `fsm
run` migrates it and loads the demo data, as on a developer's machine. Stopping sends SIGINT, as
Ctrl-C would, so the supervisor stops every service it started.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gateway.settings import AUDIENCE_DEFAULT, DEV_ISSUER_DEFAULT
from services.dev_keys import ensure_dev_keys, mint_dev_access_token
from services.registry import GATEWAY, UNITS
from tests.platform.test_cli import cli_env
from tests.support.tcp_proxy import free_port

READY_LINE = "Press Ctrl-C to stop."
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0


class StackFailed(RuntimeError):
    """`fsm run` exited or never said it was ready; the message carries its output."""


@dataclass(frozen=True)
class RunningStack:
    """A started `fsm run`: where its units listen and how to act as a demo practitioner."""

    ports: dict[str, int]
    state_dir: Path
    log_dir: Path

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports[GATEWAY.name]}"

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


def _output(log_dir: Path) -> str:
    return "\n".join(
        f"--- {name} ---\n{(log_dir / name).read_text(errors='replace')[-4000:]}"
        for name in ("run.out", "run.err")
    )


@contextmanager
def running_stack(database_url: str, work_dir: Path) -> Iterator[RunningStack]:
    """Run `fsm run` against `database_url` until the block ends; raise StackFailed if it won't."""
    state_dir, log_dir = work_dir / "state", work_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    ports = {unit.name: free_port() for unit in UNITS}
    flags = [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    out_path, err_path = log_dir / "run.out", log_dir / "run.err"
    with out_path.open("w") as stdout, err_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "run", "--stop-timeout", "5", *flags],
            env=cli_env(state_dir, database_url),
            cwd=work_dir,
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while READY_LINE not in out_path.read_text(errors="replace"):
            if process.poll() is not None:
                raise StackFailed(f"fsm run exited with {process.returncode}\n{_output(log_dir)}")
            if time.monotonic() > deadline:
                raise StackFailed(f"fsm run was not ready in time\n{_output(log_dir)}")
            time.sleep(0.1)
        yield RunningStack(ports=ports, state_dir=state_dir, log_dir=log_dir)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
