"""The `fsm run` supervisor: children start together and stop together."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from services.supervisor import PortInUse, check_ports_free

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# A child that answers every GET with 200, optionally exits with code 3 after a delay, and
# optionally ignores SIGTERM (to exercise the SIGKILL fallback).
CHILD = """
import http.server, os, signal, sys, threading
port, die_after, stubborn = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3] == "1"
if stubborn:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
class Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
if die_after > 0:
    threading.Timer(die_after, lambda: os._exit(3)).start()
http.server.HTTPServer(("127.0.0.1", port), Ok).serve_forever()
"""

# Runs a Supervisor over two CHILDren and prints their pids once both are ready.
DRIVER = """
import json, sys
from services.supervisor import ChildSpec, Supervisor
child, plan, stop_timeout = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3])
specs = [
    ChildSpec(
        name=name,
        argv=[sys.executable, "-c", child, str(port), str(die_after), "1" if stubborn else "0"],
        ready_url=f"http://127.0.0.1:{port}/readyz",
    )
    for name, (port, die_after, stubborn) in plan.items()
]
supervisor = Supervisor(specs, stop_timeout=stop_timeout)
supervisor.install_signal_handlers()
supervisor.start()
supervisor.wait_ready(10)
sys.stdout.write(json.dumps({n: c.pid for n, c in supervisor.children.items()}) + "\\n")
sys.stdout.flush()
sys.exit(supervisor.supervise())
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def is_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


class Driven:
    """A running supervisor process and its children's pids."""

    def __init__(self, process: subprocess.Popen[str], pids: dict[str, int]) -> None:
        self.process = process
        self.pids = pids


Plan = dict[str, tuple[int, float, bool]]  # name -> (port, exit after seconds, ignore SIGTERM)
Drive = Callable[..., Driven]


@pytest.fixture
def drive() -> Iterator[Drive]:
    """Start a supervisor over the planned children; kill it if a test leaves it running."""
    started: list[subprocess.Popen[str]] = []

    def run(plan: Plan, stop_timeout: float = 5.0) -> Driven:
        process = subprocess.Popen(
            [sys.executable, "-c", DRIVER, CHILD, json.dumps(plan), str(stop_timeout)],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.stderr.read() if process.stderr else "driver died"
        return Driven(process, json.loads(line))

    yield run
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_exit(process: subprocess.Popen[str], timeout: float = 10.0) -> tuple[int, str]:
    _, err = process.communicate(timeout=timeout)
    return process.returncode, err


def test_sigterm_stops_every_child_and_exits_zero(drive: Drive) -> None:
    driven = drive({"alpha": (free_port(), 0, False), "beta": (free_port(), 0, False)})
    assert not any(is_gone(pid) for pid in driven.pids.values())

    driven.process.send_signal(signal.SIGTERM)
    code, err = wait_exit(driven.process)

    assert code == 0, err
    assert "received SIGTERM" in err
    assert all(is_gone(pid) for pid in driven.pids.values())


def test_sigint_stops_every_child_and_exits_zero(drive: Drive) -> None:
    driven = drive({"alpha": (free_port(), 0, False), "beta": (free_port(), 0, False)})

    driven.process.send_signal(signal.SIGINT)
    code, err = wait_exit(driven.process)

    assert code == 0, err
    assert all(is_gone(pid) for pid in driven.pids.values())


def test_a_child_dying_stops_the_rest_with_non_zero_exit(drive: Drive) -> None:
    driven = drive({"steady": (free_port(), 0, False), "fragile": (free_port(), 0.8, False)})

    code, err = wait_exit(driven.process)

    assert code == 1
    assert "fragile" in err
    assert "exited unexpectedly with 3" in err
    assert is_gone(driven.pids["steady"])


def test_a_child_ignoring_sigterm_is_killed_after_the_timeout(drive: Drive) -> None:
    driven = drive({"stubborn": (free_port(), 0, True)}, stop_timeout=0.5)

    started = time.monotonic()
    driven.process.send_signal(signal.SIGTERM)
    code, err = wait_exit(driven.process)

    assert code == 0, err
    assert "did not stop within" in err
    assert is_gone(driven.pids["stubborn"])
    assert time.monotonic() - started < 5


def test_a_port_in_use_is_named_before_anything_starts() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(PortInUse) as caught:
            check_ports_free({"free": ("127.0.0.1", free_port()), "taken": ("127.0.0.1", port)})
    assert caught.value.name == "taken"
    assert str(port) in str(caught.value)


# Runs a Supervisor over one CHILD with a restart policy; prints its first pid once ready.
RESTARTING_DRIVER = """
import json, sys
from services.supervisor import ChildSpec, RestartPolicy, Supervisor
child, port, die_after, give_up_after = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
spec = ChildSpec(
    name="fragile",
    argv=[sys.executable, "-c", child, port, die_after, "0"],
    ready_url=f"http://127.0.0.1:{port}/readyz",
    restart=RestartPolicy(first_delay_seconds=0.1, give_up_after=give_up_after),
)
supervisor = Supervisor([spec], stop_timeout=5)
supervisor.install_signal_handlers()
supervisor.start()
supervisor.wait_ready(10)
sys.stdout.write(json.dumps(supervisor.children["fragile"].pid) + "\\n")
sys.stdout.flush()
sys.exit(supervisor.supervise())
"""


def restarting(die_after: float, give_up_after: int) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            RESTARTING_DRIVER,
            CHILD,
            str(free_port()),
            str(die_after),
            str(give_up_after),
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, process.stderr.read() if process.stderr else "driver died"
    return process, int(line)


def test_a_child_with_a_restart_policy_is_restarted_and_stopped_with_the_rest() -> None:
    process, first = restarting(die_after=1.0, give_up_after=8)
    try:
        assert process.stderr is not None
        restarted = ""
        while "restarted (pid" not in restarted:
            restarted = process.stderr.readline()
            assert restarted, "the supervisor exited instead of restarting the child"
        second = int(restarted.rsplit("pid ", 1)[1].rstrip(")\n"))
        assert second != first
        assert is_gone(first)

        process.send_signal(signal.SIGTERM)
        code, err = wait_exit(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert code == 0, err
    assert is_gone(second)


def test_a_child_that_keeps_dying_is_given_up_and_stops_the_stack() -> None:
    process, _ = restarting(die_after=0.6, give_up_after=2)
    try:
        code, err = wait_exit(process, timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert code == 1
    assert "fragile died 3 times in a row" in err
