"""A deprovisioned practitioner is refused by every gateway replica within a second.

Two real gateway processes (`fsm serve gateway`) share one database, each with the default
5-second principal cache. Both admit a practitioner (so both have them cached); the identity
provider deactivates them through one replica's SCIM endpoint; the other replica must refuse
their next request within one second, not when its cached answer expires.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gateway.settings import AUDIENCE_DEFAULT, DEV_ISSUER_DEFAULT
from services.dev_keys import DevKeys, dev_scim_credential, mint_dev_access_token

START_TIMEOUT_SECONDS = 60.0
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Replica:
    """One gateway process."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def logged(self) -> str:
        return self.log.read_text(errors="replace")


def start_replica(database_url: str, state_dir: Path, tmp_path: Path, name: str) -> Replica:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FSM_") and k != "DATABASE_URL"}
    env |= {
        "FSM_STATE_DIR": str(state_dir),
        "DATABASE_URL": database_url,
        "FSM_ENVIRONMENT": "test",
        "FSM_LOG_JSON": "true",
    }
    log = tmp_path / f"{name}.err"
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "serve", "gateway", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    return Replica(process, f"http://127.0.0.1:{port}", log)


def wait_listening(replica: Replica) -> None:
    """Ready, and listening for directory changes (its log says so)."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        assert replica.process.poll() is None, replica.logged()
        assert time.monotonic() < deadline, replica.logged()
        try:
            ready = httpx.get(f"{replica.url}/readyz", timeout=1).status_code == 200
        except httpx.TransportError:
            ready = False
        if ready and "listening for directory changes" in replica.logged():
            return
        time.sleep(0.1)


@pytest.fixture
def replicas(database_url: str, state_dir: Path, tmp_path: Path) -> Iterator[list[Replica]]:
    started = [start_replica(database_url, state_dir, tmp_path, n) for n in ("a", "b")]
    try:
        for replica in started:
            wait_listening(replica)
        yield started
    finally:
        for replica in started:
            replica.process.send_signal(signal.SIGTERM)
        for replica in started:
            replica.process.wait(timeout=30)


@pytest.mark.slow
def test_a_leaver_is_refused_by_every_replica_within_a_second(
    replicas: list[Replica], dev_keys: DevKeys
) -> None:
    a, b = replicas
    scim = {
        "Authorization": f"Bearer {dev_scim_credential(dev_keys)}",
        "Content-Type": "application/scim+json",
    }
    user_name = f"leaver.{uuid.uuid4().hex[:8]}@council.example"
    created = httpx.post(
        f"{a.url}/scim/v2/Users",
        headers=scim,
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "displayName": "Leaver",
            "active": True,
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    token = mint_dev_access_token(
        dev_keys, subject=user_name, issuer=DEV_ISSUER_DEFAULT, audience=AUDIENCE_DEFAULT
    )
    me = {"Authorization": f"Bearer {token}"}
    for replica in (a, b):  # both now hold the practitioner in their 5-second cache
        assert httpx.get(f"{replica.url}/me", headers=me, timeout=10).status_code == 200

    leaver = {
        "schemas": [PATCH],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    patched = httpx.patch(
        f"{a.url}/scim/v2/Users/{created.json()['id']}", headers=scim, json=leaver, timeout=10
    )
    assert patched.status_code == 200, patched.text
    deactivated_at = time.monotonic()

    refused_after = {}
    for name, replica in (("a", a), ("b", b)):
        while True:
            status = httpx.get(f"{replica.url}/me", headers=me, timeout=10).status_code
            elapsed = time.monotonic() - deactivated_at
            if status == 403:
                refused_after[name] = elapsed
                break
            assert status == 200
            assert elapsed < 1.0, f"replica {name} still admits the leaver after {elapsed:.2f} s"
            time.sleep(0.01)
    assert max(refused_after.values()) < 1.0, json.dumps(refused_after)
