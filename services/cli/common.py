"""What every `fsm` verb shares: errors, output, settings, the database and module discovery.

Service packages are reached only through module path strings from the registry (importlib),
never imported statically: the kernel must not depend on a service (import-linter contract).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeAlias

from pydantic import ValidationError

from services.registry import Unit
from services.settings import KernelSettings

if TYPE_CHECKING:
    from services.supervisor import Supervisor

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
    from services.embedded_db import (
        ensure_database,
        forget_departed_users,
        start_embedded_postgres,
    )

    pgdata = settings.state_dir.resolve() / "pgdata"
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    forget_departed_users(pgdata)
    echo(f"fsm: starting embedded PostgreSQL in {pgdata}", err=True)
    server = start_embedded_postgres(pgdata)
    try:
        yield ensure_database(server, EMBEDDED_DATABASE_NAME)
    finally:
        server.cleanup()


@contextlib.contextmanager
def supervised_database(
    settings: KernelSettings, supervisor: Supervisor, ready_timeout: float
) -> Iterator[str]:
    """Yield a database URL for `fsm run`: DATABASE_URL when set, else the embedded server,
    whose postmaster `supervisor` runs (and restarts) as its first child.

    A server someone left running on the folder is stopped first, unless another `fsm`
    process is using it: two postmasters cannot share a folder.
    """
    if settings.database_url is not None:
        yield settings.database_url.get_secret_value()
        return
    from services.embedded_db import EmbeddedCluster, forget_departed_users, listed_as_user

    pgdata = settings.state_dir.resolve() / "pgdata"
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    echo(f"fsm: starting embedded PostgreSQL in {pgdata}", err=True)
    cluster = EmbeddedCluster.prepare(pgdata)
    running = cluster.running_postmaster()
    if running is not None:
        users = forget_departed_users(pgdata)
        if users:
            pids = ", ".join(str(pid) for pid in users)
            raise CliError(f"the embedded database in {pgdata} is in use by fsm process {pids}")
        echo(f"fsm: stopping the embedded PostgreSQL left running (pid {running})", err=True)
        cluster.stop_running_postmaster()
    with listed_as_user(pgdata):
        supervisor.add([cluster.child_spec()])
        supervisor.start()
        supervisor.wait_ready(ready_timeout)
        yield cluster.ensure_database(EMBEDDED_DATABASE_NAME)


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
