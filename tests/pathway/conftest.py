"""Fixtures for pathway tests: the real pathway app over ASGI on the migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from pathway_api.app import create_app
from services.principal import Principal
from services.settings import KernelSettings, async_database_url
from tests.conftest import running

Headers = Callable[[Principal], dict[str, str]]


@pytest.fixture(scope="package")
async def client(kernel_settings: KernelSettings) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the pathway app, running its real lifespan once for the session."""
    async with running(create_app(kernel_settings)) as pathway_client:
        yield pathway_client


@pytest.fixture(scope="package")
def as_(internal_headers: Callable[[Principal, str], dict[str, str]]) -> Headers:
    """Headers carrying the gateway's internal token for a principal, for the pathway."""

    def headers(principal: Principal) -> dict[str, str]:
        return internal_headers(principal, "pathway")

    return headers


@pytest.fixture(scope="package")
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A direct engine for assertions on what was stored (outbox events, audit rows)."""
    engine = create_async_engine(async_database_url(database_url))
    yield engine
    await engine.dispose()
