"""Fixtures for kernel tests: the widget app on the real database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from services.principal import Principal
from services.settings import KernelSettings, async_database_url
from tests.conftest import running
from tests.kernel.widget_app import WIDGET_SCHEMA, WidgetBase, create_widget_app


@pytest.fixture(scope="session")
async def widget_table(database_url: str) -> None:
    """Create the test-only widget table (scaffolding, not part of any service's schema)."""
    engine = create_async_engine(async_database_url(database_url))
    async with engine.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{WIDGET_SCHEMA}"'))
        await connection.run_sync(WidgetBase.metadata.create_all)
    await engine.dispose()


@pytest.fixture
async def widget_client(
    widget_table: None, kernel_settings: KernelSettings
) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the widget app, running its real lifespan."""
    async with running(create_widget_app(kernel_settings)) as client:
        yield client


@pytest.fixture
def as_user(
    make_principal: Callable[..., Principal],
    internal_headers: Callable[[Principal, str], dict[str, str]],
) -> Callable[[], dict[str, str]]:
    """Headers for a fresh practitioner calling the widget app (a supervision-unit app)."""

    def headers() -> dict[str, str]:
        return internal_headers(make_principal(), "supervision")

    return headers
