"""Run the audit sealer synchronously in tests, instead of sleeping until a service seals."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncEngine

from services.audit_ddl import create_sealing_guards_sql
from services.audit_sealer import AuditSealer, seal_all
from services.kernel_tables import define_kernel_tables


async def seal(engine: AsyncEngine, table: Table) -> int:
    """Seal every row of `table` committed so far (waiting out any other sealer); return count."""
    return await AuditSealer(engine, table).seal_pending()


def seal_database(database_url: str) -> dict[str, int]:
    """Seal every schema of a database from synchronous code (fixtures outside the event loop)."""
    return asyncio.run(seal_all(database_url))


@asynccontextmanager
async def scratch_audit_log(engine: AsyncEngine) -> AsyncIterator[Table]:
    """A throwaway schema with its own guarded audit log, so tampering touches no shared chain."""
    schema = f"audit_scratch_{uuid.uuid4().hex[:10]}"
    table = define_kernel_tables(MetaData(schema=schema)).audit_log
    async with engine.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        await conn.run_sync(lambda sync_conn: table.create(sync_conn))
        for statement in create_sealing_guards_sql(schema):
            await conn.exec_driver_sql(statement)
    try:
        yield table
    finally:
        async with engine.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
