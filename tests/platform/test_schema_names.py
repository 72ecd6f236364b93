"""Constraint names in the migrated database are the ones the models declare.

`alembic check` does not compare check constraints, so a migration that names one differently
from its model would go unnoticed until a later migration tried to drop it by name.
"""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import (
    CheckConstraint,
    ForeignKeyConstraint,
    MetaData,
    PrimaryKeyConstraint,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.ext.asyncio import create_async_engine

from services.registry import UNITS
from services.settings import async_database_url

MODEL_MODULES = {
    "directory": "gateway.directory.models",
    "workbook": "workbook_api.models",
    "supervision": "supervision_api.models",
    "intervention": "intervention_api.models",
    "pathway": "pathway_api.models",
}
_KINDS = {
    CheckConstraint: "c",
    UniqueConstraint: "u",
    ForeignKeyConstraint: "f",
    PrimaryKeyConstraint: "p",
}


def declared_names(metadata: MetaData) -> set[tuple[str, str, str]]:
    """The names PostgreSQL DDL would give each constraint, naming convention applied."""
    preparer = PGDialect().identifier_preparer  # type: ignore[no-untyped-call]
    names = set()
    for table in metadata.tables.values():
        for constraint in table.constraints:
            kind = _KINDS.get(type(constraint))
            if kind is None:
                continue
            rendered = preparer.format_constraint(constraint)
            if rendered:
                names.add((table.name, kind, rendered.strip('"')))
    return names


@pytest.mark.parametrize("schema", [unit.schema for unit in UNITS])
async def test_constraint_names_match_the_models(database_url: str, schema: str) -> None:
    metadata: MetaData = importlib.import_module(MODEL_MODULES[schema]).Base.metadata
    engine = create_async_engine(async_database_url(database_url))
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT t.relname, c.contype::text, c.conname FROM pg_constraint c"
                    " JOIN pg_class t ON t.oid = c.conrelid"
                    " JOIN pg_namespace n ON n.oid = t.relnamespace"
                    " WHERE n.nspname = :schema AND c.contype IN ('c', 'u', 'f', 'p')"
                    " AND t.relname <> 'alembic_version'"
                ),
                {"schema": schema},
            )
            in_database = {(r[0], r[1], r[2]) for r in rows}
    finally:
        await engine.dispose()

    declared = declared_names(metadata)
    assert declared - in_database == set(), "declared in models but missing in the database"
    # The database may hold constraints the ORM cannot express (exclusion constraints are 'x'
    # and are filtered out above); every other named constraint must be declared.
    assert in_database - declared == set(), "in the database but not declared in the models"
