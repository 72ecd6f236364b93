"""The body of every service's Alembic env.py: async, one schema, version table inside it."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy import MetaData, pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from services.settings import async_database_url


def _include_object_for(schema: str) -> Any:
    def include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        if type_ == "table":
            return bool(getattr(obj, "schema", None) == schema)
        return True

    return include_object


def _include_name_for(schema: str) -> Any:
    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if type_ == "schema":
            return name == schema
        return True

    return include_name


def _configure_and_run(connection: Connection, metadata: MetaData, schema: str) -> None:
    connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table="alembic_version",
        version_table_schema=schema,
        include_schemas=True,
        include_object=_include_object_for(schema),
        include_name=_include_name_for(schema),
        compare_type=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        # One migrator at a time per schema, so rolling deploys cannot race each other.
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
            {"k": f"migrate:{schema}"},
        )
        context.run_migrations()


async def _run_async(url: str, metadata: MetaData, schema: str) -> None:
    engine = create_async_engine(async_database_url(url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure_and_run, metadata, schema)
            await connection.commit()
    finally:
        await engine.dispose()


def run_env(metadata: MetaData, schema: str) -> None:
    """Run migrations online for one schema; the URL comes from the Alembic config."""
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("sqlalchemy.url is not set on the Alembic config")
    if context.is_offline_mode():
        raise RuntimeError("offline migrations are not supported; run against a database")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection, metadata, schema)
        return
    asyncio.run(_run_async(url, metadata, schema))
