"""The test that cannot lie: every column of every table in the units' schemas, searched.

Text, character, JSON and array columns are searched as text; binary columns (stored
responses, bundles, imported files) as their bytes read as text. A new table or column is
searched without anyone listing it.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.audit_ddl import quoted_identifier
from services.registry import BACKENDS

SCHEMAS = tuple(unit.schema for unit in BACKENDS)
_COLUMNS = text(
    "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns"
    " JOIN information_schema.tables USING (table_schema, table_name)"
    " WHERE table_schema = ANY(:schemas) AND table_type = 'BASE TABLE'"
    " AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'bytea')"
    " ORDER BY 1, 2, 3"
)


def _as_text(column: str, data_type: str) -> str:
    if data_type == "bytea":
        return f"encode({column}, 'escape')"
    return f"{column}::text"


async def where_found(engine: AsyncEngine, needle: str) -> list[str]:
    """Every `schema.table.column` holding `needle` somewhere."""
    found = []
    async with engine.connect() as connection:
        columns = (await connection.execute(_COLUMNS, {"schemas": list(SCHEMAS)})).all()
        for schema, table, column, data_type in columns:
            name = f"{quoted_identifier(schema)}.{quoted_identifier(table)}"
            value = _as_text(quoted_identifier(column), data_type)
            query = f"SELECT count(*) FROM {name} WHERE strpos({value}, :needle) > 0"  # noqa: S608
            if await connection.scalar(text(query), {"needle": needle}):
                found.append(f"{schema}.{table}.{column}")
    return found
