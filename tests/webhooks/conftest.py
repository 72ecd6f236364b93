"""Webhook subscriptions on a real unit (the workbook), its relay paced for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from services.principal import Principal
from services.relay_settings import RelaySettings
from services.settings import KernelSettings
from tests.conftest import running
from tests.webhooks.receiver import Receiver, serving
from tests.workbook.factories import principal
from workbook_api.app import create_app

Headers = Callable[[Principal], dict[str, str]]

FAST_RELAY = RelaySettings(
    poll_interval_seconds=0.05,
    backoff_base_seconds=0.05,
    backoff_max_seconds=0.2,
    lease_seconds=5,
    max_attempts=3,
)


@pytest.fixture(scope="module")
async def client(kernel_settings: KernelSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The workbook app, its relay delivering within a fraction of a second."""
    settings = kernel_settings.model_copy(update={"relay": FAST_RELAY})
    async with running(create_app(settings)) as wb_client:
        yield wb_client


@pytest.fixture(scope="session")
def as_(internal_headers: Callable[[Principal, str], dict[str, str]]) -> Headers:
    """Headers carrying the gateway's internal token for a principal, for the workbook."""

    def headers(who: Principal) -> dict[str, str]:
        return internal_headers(who, "workbook")

    return headers


@pytest.fixture
def admin(as_: Headers) -> dict[str, str]:
    """An administrator's headers."""
    return as_(principal(discipline="business_support", roles=("administrator",)))


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A subscriber listening on loopback."""
    async with serving(Receiver()) as listening:
        yield listening
