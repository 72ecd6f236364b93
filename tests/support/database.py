"""Create and drop a throwaway database on the test server (external or embedded)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
from sqlalchemy.engine import make_url

from services.embedded_db import (
    embedded_database_url,
    ensure_max_connections,
    start_embedded_postgres,
)


def _admin_dsn(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


@contextmanager
def fresh_database(server_url: str | None, state_root: Path) -> Iterator[str]:
    """Yield the URL of a new empty database; drop it afterwards."""
    server = None
    if server_url is None:
        server = start_embedded_postgres(state_root / "test-pgdata")
        # A session holds several whole stacks at once (the access matrix, the fuzz).
        ensure_max_connections(server)
        server_url = embedded_database_url(server)
    name = f"fsm_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(_admin_dsn(server_url))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        yield url
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
