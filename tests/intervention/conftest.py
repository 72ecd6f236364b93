"""Fixtures for intervention tests: the real intervention app over ASGI, fed by the workbook.

The workbook runs twice over the same database: over ASGI for the test to record cases and
entries, and served by uvicorn on a loopback port for the intervention app to read as its
caller (evidence checks). The intervention app learns the cases as in production: the
workbook's own case and allocation events, delivered signed to its inbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
from pydantic import AnyHttpUrl
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from intervention_api.app import create_app
from services.events import CloudEvent
from services.principal import Principal
from services.settings import KernelSettings, async_database_url
from tests.conftest import running
from tests.gateway.upstreams import serve
from tests.support.events import deliver
from tests.workbook.factories import CaseWorld, case_world
from workbook_api.app import create_app as create_workbook

Headers = Callable[[Principal], dict[str, str]]
MakePrincipal = Callable[..., Principal]


@pytest.fixture(scope="package")
async def workbook(kernel_settings: KernelSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The workbook over ASGI, to record what the assessments rest on."""
    async with running(create_workbook(kernel_settings)) as client:
        yield client


@pytest.fixture(scope="package")
async def workbook_url(kernel_settings: KernelSettings) -> AsyncIterator[str]:
    """The workbook served on a loopback port, as the intervention app calls it."""
    app = create_workbook(kernel_settings)
    async with app.router.lifespan_context(app), serve(app) as url:
        yield url


@pytest.fixture(scope="package")
async def client(
    kernel_settings: KernelSettings, workbook_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The intervention app over ASGI, calling the served workbook as its callers."""
    settings = kernel_settings.model_copy(
        update={"unit_urls": {"workbook": AnyHttpUrl(workbook_url)}}
    )
    async with running(create_app(settings)) as intervention:
        yield intervention


@pytest.fixture(scope="package")
def as_(internal_headers: Callable[[Principal, str], dict[str, str]]) -> Headers:
    """Headers carrying the gateway's internal token for a principal, for intervention."""
    return lambda who: internal_headers(who, "intervention")


@pytest.fixture(scope="package")
def as_wb(internal_headers: Callable[[Principal, str], dict[str, str]]) -> Headers:
    """Headers carrying the gateway's internal token for a principal, for the workbook."""
    return lambda who: internal_headers(who, "workbook")


@pytest.fixture(scope="package")
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A direct engine for assertions on what was stored."""
    engine = create_async_engine(async_database_url(database_url))
    yield engine
    await engine.dispose()


async def forward_case_events(
    engine: AsyncEngine, intervention: httpx.AsyncClient, case_id: str
) -> int:
    """Deliver the workbook's case and allocation events of one case to intervention's inbox,
    as its relay would (the same payloads, signed)."""
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                text(
                    "SELECT id, type, source, subject, time, data FROM workbook.outbox_event"
                    " WHERE (type LIKE 'uk.gov.fsm.workbook.case.%'"
                    " OR type LIKE 'uk.gov.fsm.workbook.allocation.%')"
                    " AND data->>'case_id' = :case ORDER BY position"
                ),
                {"case": case_id},
            )
        ).all()
    for row in rows:
        event = CloudEvent(
            specversion="1.0",
            id=row.id,
            source=row.source,
            type=row.type,
            subject=row.subject,
            time=row.time,
            data=row.data,
        )
        response = await deliver(intervention, event)
        assert response.status_code == 204, response.text
    return len(rows)


@dataclass
class AssessmentWorld:
    """A workbook case world whose case intervention knows, and clients for both units."""

    case: CaseWorld
    workbook: httpx.AsyncClient
    intervention: httpx.AsyncClient
    as_: Headers
    as_wb: Headers

    @property
    def case_id(self) -> str:
        return self.case.case_id


@pytest.fixture
async def world(
    workbook: httpx.AsyncClient,
    client: httpx.AsyncClient,
    as_: Headers,
    as_wb: Headers,
    db_engine: AsyncEngine,
) -> AssessmentWorld:
    """A fresh team and case with a social worker and a specialist, known to intervention."""
    case = await case_world(workbook, as_wb, specialist_disciplines=("recovery_worker",))
    assert await forward_case_events(db_engine, client, case.case_id) >= 3
    return AssessmentWorld(case, workbook, client, as_, as_wb)
