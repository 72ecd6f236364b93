"""Fixtures for identity tests: the gateway's own fixtures, providers with local JWKS."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from gateway.directory.models import PractitionerIdentity
from tests.gateway.conftest import (
    DirectoryFactory,
    auth,
    dev_keys,
    dev_token,
    directory,
    directory_engine,
    gateway_settings,
)
from tests.identity.providers import Providers

__all__ = [
    "auth",
    "dev_keys",
    "dev_token",
    "directory",
    "directory_engine",
    "gateway_settings",
]


@pytest.fixture
def providers() -> Providers:
    """Entra (ours and another tenant) and Keycloak, each with its own key."""
    return Providers()


class Identities:
    """Give practitioners identities straight in the directory."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessionmaker = async_sessionmaker(engine, expire_on_commit=False)

    async def add(self, practitioner_id: uuid.UUID, issuer: str, value: str) -> None:
        async with self._sessionmaker() as session, session.begin():
            session.add(
                PractitionerIdentity(
                    id=uuid.uuid4(), practitioner_id=practitioner_id, issuer=issuer, value=value
                )
            )


@pytest.fixture
def identities(directory_engine: AsyncEngine) -> Identities:
    return Identities(directory_engine)


__all__ += ["DirectoryFactory", "Identities"]
