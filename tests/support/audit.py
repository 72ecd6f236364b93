"""Run the audit sealer synchronously in tests, instead of sleeping until a service seals."""

from __future__ import annotations

import asyncio

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from services.audit_sealer import AuditSealer, seal_all


async def seal(engine: AsyncEngine, table: Table) -> int:
    """Seal every row of `table` committed so far (waiting out any other sealer); return count."""
    return await AuditSealer(engine, table).seal_pending()


def seal_database(database_url: str) -> dict[str, int]:
    """Seal every schema of a database from synchronous code (fixtures outside the event loop)."""
    return asyncio.run(seal_all(database_url))
