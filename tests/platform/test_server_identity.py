"""Real uvicorn processes, started as `fsm serve` and `fsm run` start them: they name no
server, and the gateway sees its callers' real addresses (no spoofing by X-Forwarded-For)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from services.cli.run import Planned, child_environment, uvicorn_argv
from services.dev_keys import ensure_dev_keys
from services.registry import GATEWAY
from tests.platform.test_cli import cli_env, free_port

pytestmark = pytest.mark.slow

# A small budget of failed authentications, so that four bad tokens cross it.
FAILURE_BUDGET = {"FSM_AUTH_FAILURE_LIMIT_BURST": "2"}


@contextmanager
def serving(argv: Sequence[str], env: dict[str, str], cwd: Path, port: int) -> Iterator[str]:
    """Start a server process, wait until it answers /healthz, yield its URL, stop it."""
    url = f"http://127.0.0.1:{port}"
    log = cwd / f"server-{port}.log"
    with log.open("w") as output:
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                httpx.get(f"{url}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def assert_anonymous_server_and_real_peers(url: str) -> None:
    probe = httpx.get(f"{url}/healthz")
    assert probe.status_code == 200, probe.text
    assert "server" not in probe.headers
    assert probe.headers["cache-control"] == "no-store"
    assert probe.headers["x-content-type-options"] == "nosniff"

    statuses = [
        httpx.get(
            f"{url}/me",
            headers={"Authorization": "Bearer x.y.z", "X-Forwarded-For": f"192.0.2.{n}"},
        ).status_code
        for n in range(4)
    ]
    # The caller connects from 127.0.0.1 each time, whatever it claims to be forwarding.
    assert statuses == [401, 401, 429, 429]


def test_fsm_serve_gateway(database_url: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    ensure_dev_keys(state)
    port = free_port()
    argv = [sys.executable, "-m", "services.cli", "serve", "gateway", "--port", str(port)]
    with serving(argv, cli_env(state, database_url, **FAILURE_BUDGET), tmp_path, port) as url:
        assert_anonymous_server_and_real_peers(url)


def test_fsm_run_gateway(database_url: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    ensure_dev_keys(state)
    gateway = Planned(GATEWAY, free_port())
    env = {
        **cli_env(state, **FAILURE_BUDGET),
        **child_environment(gateway, [gateway], database_url, state),
    }
    with serving(uvicorn_argv(gateway), env, tmp_path, gateway.port) as url:
        assert_anonymous_server_and_real_peers(url)
