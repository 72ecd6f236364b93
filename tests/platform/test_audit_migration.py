"""Kernel step v2 (the sealed audit chain) upgrades and downgrades without breaking a chain."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator

import psycopg2
import pytest
from alembic import command
from sqlalchemy.engine import make_url

from services.audit_chain import ChainReport, verify_all
from services.migrate import alembic_config, upgrade_all
from services.registry import WORKBOOK
from tests.conftest import PROJECT_ROOT
from tests.support.audit import seal_database
from tests.support.database import fresh_database

BEFORE_SEALING = "workbook_0003"


@pytest.fixture
def database_url() -> Iterator[str]:
    """A database of its own, since this test moves the workbook schema up and down."""
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), PROJECT_ROOT / ".fsm") as url:
        upgrade_all(url)
        yield url


def insert_rows(url: str, count: int, label: str) -> None:
    """Insert audit rows the way any client would, one transaction each."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = psycopg2.connect(dsn)
    connection.autocommit = True
    with connection.cursor() as cursor:
        for n in range(count):
            cursor.execute(
                "INSERT INTO workbook.audit_log (id, actor_subject, action, resource_type,"
                " purpose, outcome, request_id, details, seq, prev_hash, hash) VALUES"
                " (%s, 'test|migration', 'read', 'case', 'test', 'success', %s, %s, 0, '', '')",
                (str(uuid.uuid4()), f"req-{label}-{n}", json.dumps({"n": n, "k": [1.50, None]})),
            )
    connection.close()


def workbook_chain(url: str) -> ChainReport:
    return asyncio.run(verify_all(url))["workbook"]


def test_chain_survives_upgrade_and_downgrade_of_the_sealing_step(database_url: str) -> None:
    config = alembic_config(WORKBOOK, database_url)
    command.downgrade(config, BEFORE_SEALING)
    insert_rows(database_url, 3, "v1")  # chained at insert by the v1 trigger
    v1 = workbook_chain(database_url)

    command.upgrade(config, "head")
    upgraded = workbook_chain(database_url)
    insert_rows(database_url, 2, "sealed")
    seal_database(database_url)
    insert_rows(database_url, 2, "pending")
    pending = workbook_chain(database_url)

    command.downgrade(config, BEFORE_SEALING)
    downgraded = workbook_chain(database_url)

    command.upgrade(config, "head")
    insert_rows(database_url, 1, "again")
    seal_database(database_url)
    again = workbook_chain(database_url)

    assert (v1.ok, v1.checked) == (True, 3)
    assert (upgraded.ok, upgraded.checked, upgraded.head_hash) == (True, 3, v1.head_hash)
    assert (pending.ok, pending.checked, pending.unsealed) == (True, 5, 2)
    # The pending rows were chained by v1 on the way down: nothing lost, nothing unchained.
    assert (downgraded.ok, downgraded.checked, downgraded.unsealed) == (True, 7, 0)
    assert (again.ok, again.checked, again.unsealed) == (True, 8, 0)
