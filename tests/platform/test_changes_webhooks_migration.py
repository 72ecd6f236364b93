"""Kernel step v4 and each unit's capture triggers downgrade and upgrade again, cleanly."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from alembic import command
from sqlalchemy.engine import make_url

from services.migrate import alembic_config, check_all, upgrade_all
from services.registry import UNITS, WORKBOOK, Unit
from tests.support.database import fresh_database

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STEP_V4_TABLES = {"change_log", "change_cursor", "webhook_subscription", "webhook_attempt"}


@pytest.fixture(scope="module")
def scratch_database() -> Iterator[str]:
    """A database of this module's own: it downgrades schemas other tests rely on."""
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), PROJECT_ROOT / ".fsm") as url:
        upgrade_all(url)
        yield url


def query(url: str, sql: str, *args: object) -> list[tuple[object, ...]]:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg2.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute(sql, args)
        return list(cursor.fetchall()) if cursor.description else []


def tables(url: str, schema: str) -> set[str]:
    rows = query(url, "SELECT tablename FROM pg_tables WHERE schemaname = %s", schema)
    return {str(row[0]) for row in rows}


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_step_v4_downgrades_and_upgrades(scratch_database: str, unit: Unit) -> None:
    config = alembic_config(unit, scratch_database)
    assert tables(scratch_database, unit.schema) >= STEP_V4_TABLES
    below = {
        "directory": "directory_identities_scim",
        "workbook": "workbook_0007",
        "supervision": "supervision_case_projection",
        "intervention": "intervention_case_projection",
        "pathway": "pathway_case_projection",
    }[unit.schema]
    command.downgrade(config, below)
    assert not STEP_V4_TABLES & tables(scratch_database, unit.schema)
    command.upgrade(config, "head")
    assert tables(scratch_database, unit.schema) >= STEP_V4_TABLES


def capture_triggers(url: str, schema: str) -> int:
    """How many capture triggers the schema's tables have."""
    rows = query(
        url,
        "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE t.tgname LIKE 'capture_change_%%' AND n.nspname = %s",
        schema,
    )
    return int(str(rows[0][0]))


def test_the_workbook_captures_again_after_a_round_trip(scratch_database: str) -> None:
    config = alembic_config(WORKBOOK, scratch_database)
    command.downgrade(config, "workbook_changes_webhooks")
    assert capture_triggers(scratch_database, "workbook") == 0
    command.upgrade(config, "head")
    query(
        scratch_database,
        "INSERT INTO workbook.family (id, name, owning_team_id, created_by_practitioner_id,"
        " version) VALUES (gen_random_uuid(), 'Round trip', gen_random_uuid(),"
        " gen_random_uuid(), 1)",
    )
    logged = query(
        scratch_database,
        "SELECT count(*) FROM workbook.change_log l JOIN workbook.family f"
        " ON f.id = l.record_id WHERE f.name = 'Round trip' AND l.kind = 'family'",
    )
    assert logged == [(1,)]
    check_all(scratch_database)


# The revision before each workflow unit's capture triggers, and how many tables it captures.
CAPTURED_FROM = {
    "supervision": ("supervision_item_amendments", 9),
    "intervention": ("intervention_progress_history", 8),
    "pathway": ("pathway_access_log_time", 12),
}


@pytest.mark.parametrize("schema", sorted(CAPTURED_FROM))
def test_a_workflow_unit_s_capture_triggers_round_trip(scratch_database: str, schema: str) -> None:
    unit = next(unit for unit in UNITS if unit.schema == schema)
    config = alembic_config(unit, scratch_database)
    below, captured = CAPTURED_FROM[schema]
    # An insert and an update trigger on every captured table.
    assert capture_triggers(scratch_database, schema) == 2 * captured
    command.downgrade(config, below)
    assert capture_triggers(scratch_database, schema) == 0
    command.upgrade(config, "head")
    assert capture_triggers(scratch_database, schema) == 2 * captured
    check_all(scratch_database)
