"""Real uvicorn processes, started as `fsm serve` and `fsm run` start them, name no server."""

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
from services.registry import GATEWAY, WORKBOOK
from tests.platform.test_cli import cli_env, free_port

pytestmark = pytest.mark.slow


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


def assert_anonymous_server(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    assert "server" not in response.headers
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_fsm_serve_names_no_server(database_url: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    ensure_dev_keys(state)
    port = free_port()
    argv = [sys.executable, "-m", "services.cli", "serve", "gateway", "--port", str(port)]
    with serving(argv, cli_env(state, database_url), tmp_path, port) as url:
        assert_anonymous_server(httpx.get(f"{url}/healthz"))


def test_fsm_run_children_name_no_server(database_url: str, tmp_path: Path) -> None:
    state = tmp_path / "state"
    ensure_dev_keys(state)
    planned = Planned(WORKBOOK, free_port())
    gateway = Planned(GATEWAY, free_port())
    env = {**cli_env(state), **child_environment(planned, [planned, gateway], database_url, state)}
    with serving(uvicorn_argv(planned), env, tmp_path, planned.port) as url:
        assert_anonymous_server(httpx.get(f"{url}/healthz"))
