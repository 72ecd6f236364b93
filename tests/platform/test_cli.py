"""The `fsm` operator CLI, run as an operator would: a separate process with its own environment."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import jwt
import psycopg2
import pytest
from sqlalchemy.engine import make_url

from services import cli
from services.demo import load_seeder, seed_all
from services.migrate import upgrade_all
from services.registry import UNITS, Unit
from tests.support.audit import seal_database
from tests.support.database import fresh_database

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def cli_env(state_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The caller's environment minus any FSM_*/DATABASE_URL, pointed at a private state dir."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FSM_") and key != "DATABASE_URL"
    }
    env["FSM_STATE_DIR"] = str(state_dir)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def fsm(
    *args: str, env: Mapping[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `python -m services.cli ARGS` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def psycopg2_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def private_state(tmp_path: Path) -> Path:
    """A state dir of this test's own (keys are generated in it on first use)."""
    return tmp_path / "state"


# --- help ---------------------------------------------------------------------------------------


def test_help_lists_every_verb(tmp_path: Path, private_state: Path) -> None:
    result = fsm("--help", env=cli_env(private_state), cwd=tmp_path)

    assert result.returncode == 0
    for verb in ("run", "migrate", "seed", "token", "audit", "events", "openapi"):
        assert f"\n    {verb} " in result.stdout


# --- token --------------------------------------------------------------------------------------


def test_token_is_a_development_jwt_signed_by_the_state_dir_key(
    tmp_path: Path, private_state: Path
) -> None:
    before = int(time.time())
    result = fsm(
        "token", "--sub", "demo|alice", "--ttl", "600", env=cli_env(private_state), cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == token + "\n"  # nothing else, so $(fsm token ...) works
    header = jwt.get_unverified_header(token)
    jwks = json.loads((private_state / "keys" / "dev-idp.jwks.json").read_text())
    assert header["alg"] == "ES256"
    assert header["kid"] == jwks["keys"][0]["kid"]

    key = jwt.PyJWK(jwks["keys"][0]).key
    claims = jwt.decode(token, key, algorithms=["ES256"], audience="fsm-api", issuer="fsm-dev-idp")
    assert claims["sub"] == "demo|alice"
    assert claims["exp"] - claims["iat"] == 600
    assert before <= claims["iat"] <= int(time.time())


def test_token_follows_the_gateway_issuer_and_audience_variables(
    tmp_path: Path, private_state: Path
) -> None:
    env = cli_env(private_state, FSM_AUTH_DEV_ISSUER="local-idp", FSM_AUTH_AUDIENCE="council-api")
    result = fsm("token", "--sub", "bob", env=env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    claims = jwt.decode(result.stdout.strip(), options={"verify_signature": False})
    assert (claims["iss"], claims["aud"]) == ("local-idp", "council-api")


def test_token_is_refused_in_production(tmp_path: Path, private_state: Path) -> None:
    env = cli_env(
        private_state, "postgresql://nobody@127.0.0.1:1/none", FSM_ENVIRONMENT="production"
    )
    result = fsm("token", "--sub", "demo|alice", env=env, cwd=tmp_path)

    assert result.returncode == 1
    assert result.stdout == ""
    assert "production" in result.stderr
    assert not (private_state / "keys").exists()


def test_token_lifetime_is_capped(tmp_path: Path, private_state: Path) -> None:
    result = fsm("token", "--sub", "x", "--ttl", "999999", env=cli_env(private_state), cwd=tmp_path)

    assert result.returncode == 2
    assert "at most" in result.stderr


# --- migrate, audit -----------------------------------------------------------------------------


def alembic_versions(database_url: str) -> dict[str, str]:
    with psycopg2.connect(psycopg2_dsn(database_url)) as connection, connection.cursor() as cursor:
        versions = {}
        for unit in UNITS:
            query = f'SELECT version_num FROM "{unit.schema}".alembic_version'  # noqa: S608 - registry names
            cursor.execute(query)
            versions[unit.schema] = ",".join(sorted(row[0] for row in cursor.fetchall()))
    connection.close()
    return versions


def test_migrate_is_idempotent(database_url: str, tmp_path: Path, private_state: Path) -> None:
    env = cli_env(private_state, database_url)
    before = alembic_versions(database_url)

    first = fsm("migrate", env=env, cwd=tmp_path)
    second = fsm("migrate", env=env, cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert alembic_versions(database_url) == before
    assert all(before.values())


def test_migrate_check_finds_models_and_migrations_agree(
    database_url: str, tmp_path: Path, private_state: Path
) -> None:
    env = cli_env(private_state, database_url)
    # Brought to head first: the check compares models with a database at the latest revision.
    assert fsm("migrate", env=env, cwd=tmp_path).returncode == 0

    result = fsm("migrate", "--check", env=env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr + result.stdout
    assert "match" in result.stdout


def test_audit_verify_passes_on_intact_chains(
    database_url: str, tmp_path: Path, private_state: Path
) -> None:
    env = cli_env(private_state, database_url)
    # Rows other tests wrote with no service running would be stale by now: seal them first.
    assert fsm("audit", "seal", env=env, cwd=tmp_path).returncode == 0
    result = fsm("audit", "verify", env=env, cwd=tmp_path)

    assert result.returncode == 0, result.stderr + result.stdout
    lines = result.stdout.splitlines()
    assert sorted(line.split(":")[0] for line in lines) == sorted(unit.schema for unit in UNITS)
    assert all(": ok (" in line for line in lines)


@pytest.fixture
def tampered_database_url() -> Iterator[str]:
    """A database of its own whose workbook audit chain has one row altered behind the triggers."""
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), PROJECT_ROOT / ".fsm") as url:
        upgrade_all(url)
        connection = psycopg2.connect(psycopg2_dsn(url))
        connection.autocommit = True
        with connection.cursor() as cursor:
            for request_id in ("req-00000001", "req-00000002"):
                cursor.execute(
                    "INSERT INTO workbook.audit_log (id, actor_subject, action, resource_type,"
                    " purpose, outcome, request_id, seq, prev_hash, hash) VALUES"
                    " (%s, 'test|auditor', 'read', 'case', 'test', 'success', %s, 0, '', '')",
                    (str(uuid.uuid4()), request_id),
                )
        seal_database(url)
        with connection.cursor() as cursor:
            # Superuser only: skips ordinary triggers, as an attacker with the database would.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("UPDATE workbook.audit_log SET action = 'export' WHERE seq = 2")
        connection.close()
        yield url


def test_audit_verify_names_the_first_broken_link(
    tampered_database_url: str, tmp_path: Path, private_state: Path
) -> None:
    env = cli_env(private_state, tampered_database_url)
    result = fsm("audit", "verify", env=env, cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    assert "workbook: BROKEN at seq 2" in result.stdout
    assert "supervision: ok (0 records," in result.stdout


@pytest.fixture
def chained_database_url() -> Iterator[str]:
    """A database of its own with three workbook audit rows, inserted and not yet sealed."""
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), PROJECT_ROOT / ".fsm") as url:
        upgrade_all(url)
        connection = psycopg2.connect(psycopg2_dsn(url))
        connection.autocommit = True
        with connection.cursor() as cursor:
            for n in range(3):
                cursor.execute(
                    "INSERT INTO workbook.audit_log (id, actor_subject, action, resource_type,"
                    " purpose, outcome, request_id, seq, prev_hash, hash) VALUES"
                    " (%s, 'test|auditor', 'read', 'case', 'test', 'success', %s, 0, '', '')",
                    (str(uuid.uuid4()), f"req-0000000{n}"),
                )
        connection.close()
        yield url


def test_audit_verify_fails_on_records_left_unsealed_and_seal_catches_up(
    chained_database_url: str, tmp_path: Path, private_state: Path
) -> None:
    env = cli_env(private_state, chained_database_url)
    fresh = fsm("audit", "verify", env=env, cwd=tmp_path)
    stalled = fsm("audit", "verify", "--stale-after", "0.000001", env=env, cwd=tmp_path)
    sealed = fsm("audit", "seal", env=env, cwd=tmp_path)
    after = fsm("audit", "verify", "--stale-after", "0.000001", env=env, cwd=tmp_path)

    assert fresh.returncode == 0, fresh.stdout
    assert "workbook: ok (0 records, head " in fresh.stdout
    assert "3 not sealed yet" in fresh.stdout
    assert stalled.returncode == 1
    assert "workbook: STALE (0 records chained; 3 not sealed yet" in stalled.stdout
    assert sealed.returncode == 0, sealed.stderr
    assert "workbook: sealed 3 records" in sealed.stdout
    assert after.returncode == 0, after.stdout
    assert "workbook: ok (3 records, head " in after.stdout
    assert "not sealed" not in after.stdout


def test_recorded_anchor_catches_a_cut_off_tail(
    chained_database_url: str, tmp_path: Path, private_state: Path
) -> None:
    env = cli_env(private_state, chained_database_url)
    assert fsm("audit", "seal", env=env, cwd=tmp_path).returncode == 0
    anchors = tmp_path / "anchors.json"
    recorded = fsm("audit", "verify", "--record", str(anchors), env=env, cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stderr
    assert json.loads(anchors.read_text())["workbook"]["seq"] == 3

    connection = psycopg2.connect(psycopg2_dsn(chained_database_url))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # behind the triggers
        cursor.execute("DELETE FROM workbook.audit_log WHERE seq = 3")
    connection.close()
    # The shortened chain is still consistent in itself: only the anchor can tell.
    plain = fsm("audit", "verify", env=env, cwd=tmp_path)
    anchored = fsm("audit", "verify", "--anchors", str(anchors), env=env, cwd=tmp_path)

    assert plain.returncode == 0, plain.stdout
    assert anchored.returncode == 1
    assert "workbook: BROKEN at seq 3 (anchor" in anchored.stdout


# --- seed ---------------------------------------------------------------------------------------


def test_seed_demo_twice_succeeds(database_url: str, tmp_path: Path, private_state: Path) -> None:
    env = cli_env(private_state, database_url)

    first = fsm("seed", "--demo", env=env, cwd=tmp_path)
    second = fsm("seed", "--demo", env=env, cwd=tmp_path)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr


def fake_unit(root: Path, demo_source: str | None) -> Unit:
    """A unit backed by a throwaway package under `root` (unique, so imports never clash)."""
    package = f"fake_unit_{uuid.uuid4().hex[:8]}"
    (root / package).mkdir()
    (root / package / "__init__.py").write_text("")
    if demo_source is not None:
        (root / package / "demo.py").write_text(textwrap.dedent(demo_source))
    return Unit(package, package, package, 0, None)


async def test_seed_all_runs_each_seeder_in_a_transaction(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    with_demo = fake_unit(
        tmp_path,
        """
        from sqlalchemy import text
        calls = []
        async def seed_demo(session):
            calls.append(session.in_transaction())
            await session.execute(text("SELECT 1"))
        """,
    )
    without_demo = fake_unit(tmp_path, None)

    results = await seed_all(database_url, [with_demo, without_demo])

    assert [(r.unit, r.seeded) for r in results] == [
        (with_demo.name, True),
        (without_demo.name, False),
    ]
    assert sys.modules[f"{with_demo.package}.demo"].calls == [True]


def test_a_demo_module_with_a_broken_import_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    broken = fake_unit(tmp_path, "import no_such_module_anywhere\n")

    with pytest.raises(ModuleNotFoundError):
        load_seeder(broken)
    assert load_seeder(Unit("absent", "no_such_package_here", "absent", 0, None)) is None


# --- openapi ------------------------------------------------------------------------------------


def test_openapi_export_writes_one_document_per_unit(
    tmp_path: Path, private_state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FSM_STATE_DIR", str(private_state))
    out = tmp_path / "openapi"
    env = cli_env(private_state)
    present = [unit for unit in UNITS if (PROJECT_ROOT / unit.package / "app.py").exists()]

    result = fsm("openapi", "export", "--out", str(out), env=env, cwd=tmp_path)

    assert result.returncode == (0 if len(present) == len(UNITS) else 1), result.stderr
    for unit in present:
        document = json.loads((out / f"{unit.name}.json").read_text())
        assert document["openapi"].startswith("3.")
        assert "/healthz" in document["paths"]
    # In-process to save a second interpreter start: the files just written are current...
    assert cli.main(["openapi", "export", "--out", str(out), "--check"]) == result.returncode
    # ...and a stale one is caught.
    stale = out / f"{present[0].name}.json"
    stale.write_text("{}\n")
    assert cli.main(["openapi", "export", "--out", str(out), "--check"]) == 1


# --- run ----------------------------------------------------------------------------------------


def test_run_refuses_a_port_in_use_before_starting_anything(
    tmp_path: Path, private_state: Path
) -> None:
    ports = {unit.name: free_port() for unit in UNITS}
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        ports["supervision"] = taken
        flags = [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
        result = fsm("run", *flags, *metrics_flags(), env=cli_env(private_state), cwd=tmp_path)

    assert result.returncode == 1
    assert f"port {taken}" in result.stderr
    assert "supervision" in result.stderr
    assert not (private_state / "pgdata").exists()
    assert not (private_state / "keys").exists()


def metrics_flags(ports: dict[str, int] | None = None) -> list[str]:
    """`fsm run` flags giving every unit a free metrics port (9100-9104 may be taken here)."""
    chosen = ports if ports is not None else {unit.name: free_port() for unit in UNITS}
    return [arg for name, port in chosen.items() for arg in (f"--{name}-metrics-port", str(port))]


def test_run_refuses_a_metrics_port_in_use(tmp_path: Path, private_state: Path) -> None:
    ports = {unit.name: free_port() for unit in UNITS}
    flags = [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    metrics = {unit.name: free_port() for unit in UNITS}
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        metrics["gateway"] = holder.getsockname()[1]
        result = fsm(
            "run", *flags, *metrics_flags(metrics), env=cli_env(private_state), cwd=tmp_path
        )

    assert result.returncode == 1
    assert f"port {metrics['gateway']}" in result.stderr
    assert "--gateway-metrics-port" in result.stderr
    assert not (private_state / "pgdata").exists()


def test_run_refuses_production(tmp_path: Path, private_state: Path) -> None:
    env = cli_env(
        private_state, "postgresql://nobody@127.0.0.1:1/none", FSM_ENVIRONMENT="production"
    )
    result = fsm("run", env=env, cwd=tmp_path)

    assert result.returncode == 1
    assert "development" in result.stderr


@pytest.mark.slow
def test_run_serves_every_unit_and_stops_them_all_on_sigint(
    database_url: str, tmp_path: Path, private_state: Path
) -> None:
    ports = {unit.name: free_port() for unit in UNITS}
    flags = [arg for name, port in ports.items() for arg in (f"--{name}-port", str(port))]
    metrics_ports = {unit.name: free_port() for unit in UNITS}
    flags += metrics_flags(metrics_ports)
    out, err = tmp_path / "run.out", tmp_path / "run.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "run", "--stop-timeout", "5", *flags],
            env=cli_env(private_state, database_url),
            cwd=tmp_path,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 30
        while "Press Ctrl-C" not in out.read_text():
            assert process.poll() is None, err.read_text()
            assert time.monotonic() < deadline, err.read_text()
            time.sleep(0.1)
        started = [u for u in UNITS if f":{ports[u.name]}" in out.read_text()]
        for unit in started:
            ready = httpx.get(f"http://127.0.0.1:{ports[unit.name]}/readyz", timeout=2)
            assert ready.status_code == 200, unit.name
            # Each unit serves its metrics on its own port, labelled by route template.
            metrics = httpx.get(f"http://127.0.0.1:{metrics_ports[unit.name]}/metrics", timeout=5)
            assert metrics.status_code == 200, unit.name
            assert f'fsm_unit_info{{unit="{unit.name}"}} 1.0' in metrics.text
            assert 'route="/readyz"' in metrics.text

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0, err.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert {u.name for u in started} >= {"workbook", "supervision", "intervention"}
    for unit in started:
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{ports[unit.name]}/healthz", timeout=2)
    pids = [
        int(line.rsplit("[", 1)[1].rstrip("]"))
        for line in err.read_text().splitlines()
        if "Started server process [" in line
    ]
    assert len(pids) == len(started)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


# --- serve --------------------------------------------------------------------------------------


def test_metrics_ports_follow_the_registry() -> None:
    ports = {unit.name: unit.default_metrics_port for unit in UNITS}
    assert ports["gateway"] == 9100
    assert ports["workbook"] == 9101
    assert len(set(ports.values())) == len(ports)
    assert all(9100 <= port <= 9199 for port in ports.values())


@pytest.mark.slow
def test_serve_exposes_metrics_on_the_port_given(
    database_url: str, tmp_path: Path, private_state: Path
) -> None:
    from services.dev_keys import ensure_dev_keys

    ensure_dev_keys(private_state)  # the service verifies the gateway's internal tokens
    port, metrics_port = free_port(), free_port()
    argv = ["serve", "intervention", "--port", str(port), "--metrics-port", str(metrics_port)]
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", *argv],
        env=cli_env(private_state, database_url),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "serve.err").open("w"),
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (tmp_path / "serve.err").read_text()
            assert time.monotonic() < deadline, (tmp_path / "serve.err").read_text()
            time.sleep(0.1)
        metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5)
        on_app = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)

    assert metrics.status_code == 200
    assert 'fsm_unit_info{unit="intervention"} 1.0' in metrics.text
    assert 'fsm_http_request_duration_seconds_count{method="GET",route="/readyz"' in metrics.text
    assert on_app.status_code == 401  # not one of the app's routes: refused like any other path
