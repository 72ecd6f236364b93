"""The kernel's migration steps: every schema upgrades, matches its models and downgrades."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from services.migrate import alembic_config, check_all, upgrade_all
from services.registry import UNITS, Unit
from tests.support.database import fresh_database

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scratch_database() -> Iterator[str]:
    """A database of this module's own: it downgrades schemas other tests rely on."""
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), PROJECT_ROOT / ".fsm") as url:
        upgrade_all(url)
        yield url


def outbox_columns(url: str, schema: str) -> set[str]:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = %s AND table_name = 'outbox_event'",
            (schema,),
        )
        return {row[0] for row in cursor.fetchall()}


def test_models_and_migrations_agree(scratch_database: str) -> None:
    check_all(scratch_database)


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_outbox_traceparent_step_downgrades_and_upgrades(scratch_database: str, unit: Unit) -> None:
    config = alembic_config(unit, scratch_database)
    revision = ScriptDirectory.from_config(config).get_revision(f"{unit.schema}_outbox_traceparent")
    assert revision is not None
    assert "traceparent" in outbox_columns(scratch_database, unit.schema)

    command.downgrade(config, str(revision.down_revision))
    assert "traceparent" not in outbox_columns(scratch_database, unit.schema)
    assert "dispatched_at" in outbox_columns(scratch_database, unit.schema)

    command.upgrade(config, "head")
    assert "traceparent" in outbox_columns(scratch_database, unit.schema)


def table_names(url: str, schema: str) -> set[str]:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        )
        return {row[0] for row in cursor.fetchall()}


PROJECTED = {
    "projected_case",
    "projected_allocation",
    "projected_practitioner",
    "projected_membership",
    "projected_team",
}


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_only_the_workflow_schemas_keep_the_case_projection_and_its_step_downgrades(
    scratch_database: str, unit: Unit
) -> None:
    if unit.schema not in ("supervision", "intervention", "pathway"):
        # The workbook owns the originals; the directory is one of them.
        assert not PROJECTED & table_names(scratch_database, unit.schema)
        return
    config = alembic_config(unit, scratch_database)
    revision = ScriptDirectory.from_config(config).get_revision(f"{unit.schema}_case_projection")
    assert revision is not None
    assert table_names(scratch_database, unit.schema) >= PROJECTED

    command.downgrade(config, str(revision.down_revision))
    assert not PROJECTED & table_names(scratch_database, unit.schema)
    assert "inbox_event" in table_names(scratch_database, unit.schema)

    command.upgrade(config, "head")
    assert table_names(scratch_database, unit.schema) >= PROJECTED
