"""Run a few child processes together for `fsm run`: start, wait until ready, stop as one.

Development only. In production each process is its own Kubernetes Deployment and the cluster
supervises it; nothing here stands in for that.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import TextIO

import httpx

DEFAULT_STOP_TIMEOUT_SECONDS = 10.0
DEFAULT_READY_TIMEOUT_SECONDS = 60.0
_POLL_SECONDS = 0.1
_PR_SET_PDEATHSIG = 1


class SupervisorError(RuntimeError):
    """A child could not be started, never became ready, or died."""


class PortInUse(SupervisorError):
    """A port a child needs is already bound by another process."""

    def __init__(self, name: str, host: str, port: int) -> None:
        super().__init__(f"port {port} on {host} (needed by {name}) is already in use")
        self.name = name
        self.host = host
        self.port = port


@dataclass(frozen=True)
class ChildSpec:
    """One process to run: its command, environment and the URL that says it is ready."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    ready_url: str | None = None


def check_ports_free(ports: Mapping[str, tuple[str, int]]) -> None:
    """Raise PortInUse for the first `name -> (host, port)` that cannot be bound."""
    for name, (host, port) in ports.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # SO_REUSEADDR matches uvicorn, so a port in TIME_WAIT is not reported as taken.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise PortInUse(name, host, port) from exc


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM this child if the supervisor is killed without cleaning up."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return
    libc = ctypes.CDLL(libc_name, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class Supervisor:
    """Start children in order, watch them, and stop them all together."""

    def __init__(
        self,
        specs: Sequence[ChildSpec],
        *,
        stop_timeout: float = DEFAULT_STOP_TIMEOUT_SECONDS,
        out: TextIO | None = None,
    ) -> None:
        self.specs = tuple(specs)
        self.stop_timeout = stop_timeout
        self.out = out or sys.stderr
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self._stop_requested = threading.Event()
        self._stop_signal: int | None = None
        self._relays: list[threading.Thread] = []
        self._out_lock = threading.Lock()

    def say(self, message: str) -> None:
        """Tell the operator what the supervisor is doing."""
        self._write(f"fsm: {message}\n")

    def _write(self, text: str) -> None:
        with self._out_lock:
            self.out.write(text)
            self.out.flush()

    def _relay_output(self, name: str, child: subprocess.Popen[bytes]) -> None:
        """Copy a child's output line by line, prefixed with its name, so the interleaved
        logs of several services stay readable."""
        assert child.stdout is not None
        width = max(len(spec.name) for spec in self.specs)
        for raw in iter(child.stdout.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            self._write(f"{name:<{width}} | {line}\n")
        child.stdout.close()

    @property
    def stopping(self) -> bool:
        """Whether a stop was requested (by a signal or a caller)."""
        return self._stop_requested.is_set()

    def request_stop(self, signum: int = signal.SIGTERM) -> None:
        """Ask `supervise()` to return; safe to call from a signal handler."""
        self._stop_signal = signum
        self._stop_requested.set()

    def install_signal_handlers(self) -> Callable[[], None]:
        """Route SIGINT and SIGTERM to `request_stop`; returns a function that restores them."""

        def handler(signum: int, frame: FrameType | None) -> None:
            self.request_stop(signum)

        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}

        def restore() -> None:
            for sig, old in previous.items():
                signal.signal(sig, old)

        return restore

    def start(self) -> None:
        """Start every child; each gets its own process group so a terminal Ctrl-C reaches
        only the supervisor, which then stops the children in a known order."""
        preexec = _die_with_parent if sys.platform.startswith("linux") else None
        for spec in self.specs:
            if self._stop_requested.is_set():
                return
            env = {**os.environ, **spec.env}
            child = subprocess.Popen(  # noqa: S603 - argv built by us, no shell
                list(spec.argv),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                process_group=0,
                preexec_fn=preexec,  # prctl only: safe between fork and exec
            )
            self.children[spec.name] = child
            relay = threading.Thread(
                target=self._relay_output, args=(spec.name, child), daemon=True
            )
            relay.start()
            self._relays.append(relay)

    def wait_ready(self, timeout: float = DEFAULT_READY_TIMEOUT_SECONDS) -> None:
        """Block until every child's ready URL answers 200; raise if one dies or times out."""
        deadline = time.monotonic() + timeout
        pending = [spec for spec in self.specs if spec.ready_url is not None]
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            while pending:
                if self._stop_requested.is_set():
                    return
                self._raise_if_any_died()
                still_pending = []
                for spec in pending:
                    assert spec.ready_url is not None
                    try:
                        ready = client.get(spec.ready_url).status_code == 200
                    except httpx.HTTPError:
                        ready = False
                    if not ready:
                        still_pending.append(spec)
                pending = still_pending
                if pending and time.monotonic() > deadline:
                    names = ", ".join(spec.name for spec in pending)
                    raise SupervisorError(f"not ready after {timeout:.0f}s: {names}")
                if pending:
                    self._stop_requested.wait(_POLL_SECONDS * 2)

    def supervise(self) -> int:
        """Wait for a stop request (exit 0) or a child's death (exit 1), then stop everything."""
        try:
            while not self._stop_requested.wait(_POLL_SECONDS):
                self._raise_if_any_died()
        except SupervisorError as exc:
            self.say(f"{exc}; stopping the others")
            self.stop()
            return 1
        if self._stop_signal is not None:
            self.say(f"received {signal.Signals(self._stop_signal).name}; stopping")
        self.stop()
        return 0

    def stop(self) -> None:
        """SIGTERM every live child (last started first), wait, then SIGKILL stragglers."""
        live = [child for child in reversed(self.children.values()) if child.poll() is None]
        for child in live:
            _signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for name, child in reversed(self.children.items()):
            remaining = max(0.0, deadline - time.monotonic())
            try:
                child.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                self.say(f"{name} did not stop within {self.stop_timeout:.0f}s; killing it")
                _signal_group(child, signal.SIGKILL)
                child.wait()
        for relay in self._relays:
            # The pipes close when the children exit; a grandchild holding one open must not
            # keep the supervisor from exiting.
            relay.join(timeout=1.0)

    def _raise_if_any_died(self) -> None:
        for name, child in self.children.items():
            code = child.poll()
            if code is not None:
                raise SupervisorError(f"{name} (pid {child.pid}) exited unexpectedly with {code}")


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    """Signal the child's whole process group, so workers it forked stop with it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)
