"""Fixtures for workbook tests: the real workbook app over ASGI on the migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.principal import Principal
from services.settings import KernelSettings, async_database_url
from tests.conftest import running
from workbook_api.app import create_app

Headers = Callable[[Principal], dict[str, str]]


@pytest.fixture(scope="session")
async def client(kernel_settings: KernelSettings) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the workbook app, running its real lifespan once for the session."""
    async with running(create_app(kernel_settings)) as wb_client:
        yield wb_client


@pytest.fixture(scope="session")
def as_(internal_headers: Callable[[Principal, str], dict[str, str]]) -> Headers:
    """Headers carrying the gateway's internal token for a principal, for the workbook."""

    def headers(principal: Principal) -> dict[str, str]:
        return internal_headers(principal, "workbook")

    return headers


@pytest.fixture(scope="session")
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A direct engine for assertions on what was stored (audit rows, outbox events)."""
    engine = create_async_engine(async_database_url(database_url))
    yield engine
    await engine.dispose()
