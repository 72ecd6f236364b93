"""Run a few child processes together for `fsm run`: start, wait until ready, stop as one.

Children start in batches (the database first, then the services that need it) and stop in the
reverse order, so a service can finish its requests before its database goes. A child whose
spec has a restart policy (the embedded database) is restarted with backoff when it dies; the
others' death stops the whole stack, since a half-running stack would only mislead.

Development only. In production each process is its own Kubernetes Deployment and the cluster
supervises it; nothing here stands in for that.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import pwd
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
class RestartPolicy:
    """Restart a child that dies, waiting twice as long after each death that came quickly.

    A child that ran `stable_after_seconds` counts as healthy again (its delay starts over);
    one that dies quickly `give_up_after` times in a row is broken, and stops the stack.
    """

    first_delay_seconds: float = 0.2
    max_delay_seconds: float = 10.0
    stable_after_seconds: float = 30.0
    give_up_after: int = 8

    def delay(self, quick_deaths: int) -> float:
        """Seconds to wait before the restart that follows `quick_deaths` quick deaths."""
        doublings = max(0, quick_deaths - 1)
        return min(self.max_delay_seconds, self.first_delay_seconds * 2.0**doublings)


@dataclass(frozen=True)
class ChildSpec:
    """One process to run: its command, environment and how to tell that it is ready.

    `ready_url` must answer 200; `ready` is asked with the child's pid instead (the database
    says it is ready in a file, not over HTTP). `stop_signal` asks for a clean stop; with
    `signal_group` it goes to every process in the child's group (workers it forked), without
    it to the child alone, which then stops its own children (PostgreSQL's postmaster does).
    `user` runs the child as that account (PostgreSQL refuses to run as root).
    """

    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    ready_url: str | None = None
    ready: Callable[[int], bool] | None = None
    restart: RestartPolicy | None = None
    stop_signal: int = signal.SIGTERM
    signal_group: bool = True
    user: str | None = None


@dataclass
class _Running:
    """A started child and what the supervisor knows about it."""

    spec: ChildSpec
    batch: int
    process: subprocess.Popen[bytes]
    started_at: float
    quick_deaths: int = 0
    restart_at: float | None = None  # set while it is dead and waiting to be restarted


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


def _dying_with_parent(signum: int) -> Callable[[], None] | None:
    """A pre-exec hook asking Linux to send `signum` to the child if the supervisor is killed
    without cleaning up (runs after the switch to another user, which would clear it)."""
    if not sys.platform.startswith("linux"):
        return None

    def die_with_parent() -> None:
        libc_name = ctypes.util.find_library("c")
        if libc_name is None:
            return
        libc = ctypes.CDLL(libc_name, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)

    return die_with_parent


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
        self._running: dict[str, _Running] = {}
        self._batches = 0
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

    @property
    def children(self) -> dict[str, subprocess.Popen[bytes]]:
        """The current process of every started child, by name."""
        return {name: running.process for name, running in self._running.items()}

    def add(self, specs: Sequence[ChildSpec]) -> None:
        """Plan more children; the next `start()` starts them as a batch of their own."""
        self.specs = (*self.specs, *specs)

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
        """Start every planned child not started yet, as one batch (stopped together).

        Each child gets its own process group so a terminal Ctrl-C reaches only the
        supervisor, which then stops the children in a known order.
        """
        batch = self._batches
        self._batches += 1
        for spec in self.specs:
            if self._stop_requested.is_set():
                return
            if spec.name not in self._running:
                self._running[spec.name] = _Running(
                    spec, batch, self._spawn(spec), time.monotonic()
                )

    def _spawn(self, spec: ChildSpec) -> subprocess.Popen[bytes]:
        env = {**os.environ, **spec.env}
        account = pwd.getpwnam(spec.user) if spec.user is not None else None
        child = subprocess.Popen(  # noqa: S603 - argv built by us, no shell
            list(spec.argv),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,
            user=account.pw_uid if account else None,
            group=account.pw_gid if account else None,
            extra_groups=[] if account else None,
            preexec_fn=_dying_with_parent(spec.stop_signal),  # prctl only: safe after fork
        )
        relay = threading.Thread(target=self._relay_output, args=(spec.name, child), daemon=True)
        relay.start()
        self._relays.append(relay)
        return child

    def wait_ready(self, timeout: float = DEFAULT_READY_TIMEOUT_SECONDS) -> None:
        """Block until every started child is ready; raise if one dies or times out."""
        deadline = time.monotonic() + timeout
        pending = [r for r in self._running.values() if r.spec.ready_url or r.spec.ready]
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            while pending:
                if self._stop_requested.is_set():
                    return
                self._restart_the_dead()
                pending = [r for r in pending if not self._is_ready(client, r)]
                if pending and time.monotonic() > deadline:
                    names = ", ".join(r.spec.name for r in pending)
                    raise SupervisorError(f"not ready after {timeout:.0f}s: {names}")
                if pending:
                    self._stop_requested.wait(_POLL_SECONDS * 2)

    @staticmethod
    def _is_ready(client: httpx.Client, running: _Running) -> bool:
        spec = running.spec
        if spec.ready is not None and not spec.ready(running.process.pid):
            return False
        if spec.ready_url is not None:
            try:
                return client.get(spec.ready_url).status_code == 200
            except httpx.HTTPError:
                return False
        return True

    def supervise(self) -> int:
        """Restart what may be restarted until a stop request (exit 0) or the death of a child
        that may not (exit 1); then stop everything."""
        try:
            while not self._stop_requested.wait(_POLL_SECONDS):
                self._restart_the_dead()
        except SupervisorError as exc:
            self.say(f"{exc}; stopping the others")
            self.stop()
            return 1
        if self._stop_signal is not None:
            self.say(f"received {signal.Signals(self._stop_signal).name}; stopping")
        self.stop()
        return 0

    def _restart_the_dead(self) -> None:
        now = time.monotonic()
        for name, running in self._running.items():
            policy = running.spec.restart
            if running.restart_at is not None:
                if now >= running.restart_at and not self._stop_requested.is_set():
                    running.process = self._spawn(running.spec)
                    running.started_at, running.restart_at = now, None
                    self.say(f"{name} restarted (pid {running.process.pid})")
                continue
            code = running.process.poll()
            if code is None:
                continue
            if policy is None:
                raise SupervisorError(
                    f"{name} (pid {running.process.pid}) exited unexpectedly with {code}"
                )
            # Workers it forked must not outlive it. (PostgreSQL's backends leave the group, but
            # exit by themselves once their postmaster is gone; until they have, a successor
            # refuses to start, exits, and is simply retried after the next delay.)
            _signal_group(running.process, signal.SIGKILL)
            quick = now - running.started_at < policy.stable_after_seconds
            running.quick_deaths = running.quick_deaths + 1 if quick else 1
            if running.quick_deaths > policy.give_up_after:
                raise SupervisorError(
                    f"{name} died {running.quick_deaths} times in a row (last exit {code})"
                )
            delay = policy.delay(running.quick_deaths)
            running.restart_at = now + delay
            self.say(
                f"{name} (pid {running.process.pid}) exited with {code}; restarting in {delay:.1f}s"
            )

    def stop(self) -> None:
        """Stop the children batch by batch, last started first: ask each to stop, wait,
        then SIGKILL stragglers and anything left in their process groups."""
        for batch in reversed(range(self._batches)):
            live = [
                (name, r)
                for name, r in reversed(self._running.items())
                if r.batch == batch and r.process.poll() is None
            ]
            for _, running in self._running.items():
                if running.batch == batch:
                    running.restart_at = None  # a child waiting to restart stays down
            for _, running in live:
                spec = running.spec
                if spec.signal_group:
                    _signal_group(running.process, spec.stop_signal)
                else:
                    with contextlib.suppress(ProcessLookupError):
                        running.process.send_signal(spec.stop_signal)
            deadline = time.monotonic() + self.stop_timeout
            for name, running in live:
                remaining = max(0.0, deadline - time.monotonic())
                try:
                    running.process.wait(timeout=remaining)
                except subprocess.TimeoutExpired:
                    self.say(f"{name} did not stop within {self.stop_timeout:.0f}s; killing it")
                    _signal_group(running.process, signal.SIGKILL)
                    running.process.wait()
                _signal_group(running.process, signal.SIGKILL)  # workers it left behind
        for relay in self._relays:
            # The pipes close when the children exit; a grandchild holding one open must not
            # keep the supervisor from exiting.
            relay.join(timeout=1.0)


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    """Signal the child's whole process group, so workers it forked stop with it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signum)
