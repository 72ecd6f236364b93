"""Fixtures for pathway tests: the real pathway app over ASGI on the migrated database.

The workbook runs twice over the same database: over ASGI for the tests to record families and
cases (which the pathway learns from the workbook's own events), and served on a loopback port
for the pathway to read as its caller (a consent's family member).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
from pydantic import AnyHttpUrl
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from pathway_api.app import create_app
from pathway_api.outcomes.defaults import DEFAULT_FRAMEWORKS, DEFAULT_SETTINGS
from services.principal import Principal
from services.settings import KernelSettings, async_database_url
from tests.conftest import running
from tests.gateway.upstreams import serve
from tests.workbook.factories import principal
from workbook_api.app import create_app as create_workbook

Headers = Callable[[Principal], dict[str, str]]


@pytest.fixture(scope="package")
async def workbook(kernel_settings: KernelSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The workbook over ASGI, to record the families and cases the pathway works on."""
    async with running(create_workbook(kernel_settings)) as client:
        yield client


@pytest.fixture(scope="package")
async def workbook_url(kernel_settings: KernelSettings) -> AsyncIterator[str]:
    """The workbook served on a loopback port, as the pathway calls it."""
    app = create_workbook(kernel_settings)
    async with app.router.lifespan_context(app), serve(app) as url:
        yield url


@pytest.fixture(scope="package")
async def client(
    kernel_settings: KernelSettings, workbook_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the pathway app, running its real lifespan once for the session, calling
    the served workbook as its callers."""
    settings = kernel_settings.model_copy(
        update={"unit_urls": {"workbook": AnyHttpUrl(workbook_url)}}
    )
    async with running(create_app(settings)) as pathway_client:
        yield pathway_client


@pytest.fixture(scope="package")
def as_wb(internal_headers: Callable[[Principal, str], dict[str, str]]) -> Headers:
    """Headers carrying the gateway's internal token for a principal, for the workbook."""
    return lambda who: internal_headers(who, "workbook")


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


@dataclass(frozen=True)
class Record:
    """The workbook, where the tests record the families and cases the pathway learns."""

    workbook: httpx.AsyncClient
    as_wb: Headers
    engine: AsyncEngine


@pytest.fixture(scope="package")
def record(workbook: httpx.AsyncClient, as_wb: Headers, db_engine: AsyncEngine) -> Record:
    """The workbook's side of the pathway tests."""
    return Record(workbook, as_wb, db_engine)


@pytest.fixture
async def outcome_defaults(client: httpx.AsyncClient, as_: Headers) -> None:
    """The outcomes frameworks and the smallest count shown as shipped, republished.

    What is in force is the database's, shared with every test before these (the fuzz publishes
    whatever it draws): the outcomes tests start from the defaults. Localities are kept; each
    test puts its own teams in a locality of their own.
    """
    admin = as_(principal(discipline="business_support", roles=("administrator",)))
    for code, framework in DEFAULT_FRAMEWORKS.items():
        body = {**framework, "note": "The shipped framework, for a test"}
        published = await client.post(f"/outcomes/frameworks/{code}", json=body, headers=admin)
        assert published.status_code == 201, published.text
    settings = (await client.get("/outcomes/settings", headers=admin)).json()
    body = {
        "minimum_cell_count": DEFAULT_SETTINGS["minimum_cell_count"],
        "localities": settings["localities"],
        "note": "The shipped smallest count, for a test",
    }
    published = await client.post("/outcomes/settings", json=body, headers=admin)
    assert published.status_code == 201, published.text
