"""Fixtures for projection tests: an app on supervision's projection, over ASGI, real database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from services.principal import Principal
from services.settings import KernelSettings
from tests.conftest import running
from tests.projection.access_app import create_access_app

Headers = Callable[[Principal], dict[str, str]]
MakePrincipal = Callable[..., Principal]


@pytest.fixture(scope="session")
async def client(kernel_settings: KernelSettings) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the access test app, running its real lifespan once for the session."""
    async with running(create_access_app(kernel_settings)) as access_client:
        yield access_client


@pytest.fixture(scope="session")
def as_(internal_headers: Callable[[Principal, str], dict[str, str]]) -> Headers:
    """Headers carrying the gateway's internal token for a principal, for supervision."""

    def headers(principal: Principal) -> dict[str, str]:
        return internal_headers(principal, "supervision")

    return headers
