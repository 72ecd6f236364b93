"""Fixtures for subject access: the workbook over ASGI, with the other units served on
loopback ports for the export to read as the DPO (services/delegation.py), as in production."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack

import httpx
import pytest
from pydantic import AnyHttpUrl
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from intervention_api.app import create_app as create_intervention
from pathway_api.app import create_app as create_pathway
from services.principal import Principal
from services.settings import KernelSettings, async_database_url
from supervision_api.app import create_app as create_supervision
from tests.conftest import running
from tests.gateway.upstreams import serve
from workbook_api.app import create_app as create_workbook
from workbook_api.settings import workbook_settings

Headers = Callable[[Principal], dict[str, str]]


@pytest.fixture(scope="package")
async def unit_urls(kernel_settings: KernelSettings) -> AsyncIterator[dict[str, AnyHttpUrl]]:
    """Supervision, interventions and the pathway, each served on a loopback port."""
    async with AsyncExitStack() as stack:
        urls = {}
        for name, build in (
            ("supervision", create_supervision),
            ("intervention", create_intervention),
            ("pathway", create_pathway),
        ):
            app = build(kernel_settings)
            await stack.enter_async_context(app.router.lifespan_context(app))
            urls[name] = AnyHttpUrl(await stack.enter_async_context(serve(app)))
        yield urls


@pytest.fixture(scope="package")
async def client(
    kernel_settings: KernelSettings, unit_urls: dict[str, AnyHttpUrl]
) -> AsyncIterator[httpx.AsyncClient]:
    """The workbook over ASGI, reading the other units at their loopback ports."""
    settings = workbook_settings(kernel_settings).model_copy(
        update={"unit_urls": unit_urls, "subject_access_poll_seconds": 0.2}
    )
    async with running(create_workbook(settings)) as workbook:
        yield workbook


@pytest.fixture(scope="package")
def as_(internal_headers: Callable[[Principal, str], dict[str, str]]) -> Headers:
    """Headers carrying the gateway's internal token for a principal, for the workbook."""
    return lambda who: internal_headers(who, "workbook")


@pytest.fixture(scope="package")
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A direct engine for assertions on what was stored."""
    engine = create_async_engine(async_database_url(database_url))
    yield engine
    await engine.dispose()
