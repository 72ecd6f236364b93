"""Fixtures for gateway tests: the real gateway app over ASGI, upstreams on real loopback
servers (the gateway's production client, over sockets), directory data."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import AnyHttpUrl
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from starlette.types import ASGIApp

from gateway.app import create_app
from gateway.directory.models import Practitioner, Team, TeamMembership
from gateway.settings import AUDIENCE_DEFAULT, DEV_ISSUER_DEFAULT, GatewaySettings
from services.dev_keys import DevKeys, load_dev_keys, mint_dev_access_token
from services.settings import KernelSettings, async_database_url
from tests.gateway.upstreams import EchoUpstream, LoopbackUpstreams

BACKEND_NAMES = ("workbook", "supervision", "intervention", "pathway")

SettingsFactory = Callable[..., GatewaySettings]


@pytest.fixture(scope="session")
def dev_keys(state_dir: Any) -> DevKeys:
    """The development identity provider and internal keys of this test run."""
    return load_dev_keys(state_dir)


@pytest.fixture(scope="session")
def gateway_settings(kernel_settings: KernelSettings) -> SettingsFactory:
    """Build gateway settings on the test database; no principal cache, no rate limit."""
    assert kernel_settings.database_url is not None

    def build(**overrides: Any) -> GatewaySettings:
        values: dict[str, Any] = {
            "environment": "test",
            "database_url": kernel_settings.database_url.get_secret_value()
            if kernel_settings.database_url
            else None,
            "state_dir": kernel_settings.state_dir,
            "log_json": True,
            "db_pool_size": 5,
            "principal_cache_ttl_seconds": 0,
            "rate_limit_enabled": False,
        }
        values.update(overrides)
        return GatewaySettings(**values)

    return build


_loopback: list[LoopbackUpstreams] = []


@pytest.fixture(scope="session", autouse=True)
async def loopback_upstreams() -> AsyncIterator[LoopbackUpstreams]:
    """The backends' loopback servers, started once for the session (see open_gateway)."""
    async with LoopbackUpstreams.running(BACKEND_NAMES) as servers:
        _loopback.append(servers)
        try:
            yield servers
        finally:
            _loopback.remove(servers)


@asynccontextmanager
async def open_gateway(
    settings: GatewaySettings,
    upstreams: Mapping[str, ASGIApp] | None = None,
    *,
    jwks_transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """Run upstream apps' and the gateway's lifespans; yield the gateway app and a client.

    Each upstream app is served on its backend's loopback server and the gateway's settings
    point there; backends not given keep the URL in `settings`.
    """
    async with AsyncExitStack() as stack:
        apps = dict(upstreams or {})
        for upstream in apps.values():
            if isinstance(upstream, FastAPI):
                await stack.enter_async_context(upstream.router.lifespan_context(upstream))
        if apps:
            (servers,) = _loopback
            urls = stack.enter_context(servers.mounted(apps))
            settings = settings.model_copy(
                update={f"gateway_upstream_{name}": AnyHttpUrl(url) for name, url in urls.items()}
            )
        app = create_app(settings, jwks_transport=jwks_transport)
        await stack.enter_async_context(app.router.lifespan_context(app))
        client = await stack.enter_async_context(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 40000)),
                base_url="http://gateway.test",
            )
        )
        yield app, client


@pytest.fixture
def echoes() -> dict[str, EchoUpstream]:
    """One recording echo upstream per backend."""
    return {name: EchoUpstream(name) for name in BACKEND_NAMES}


@pytest.fixture
async def gateway(
    gateway_settings: SettingsFactory, echoes: dict[str, EchoUpstream]
) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the gateway in front of echo upstreams."""
    async with open_gateway(gateway_settings(), echoes) as (_, client):
        yield client


@pytest.fixture
def dev_token(dev_keys: DevKeys) -> Callable[..., str]:
    """Mint a development access token for a subject."""

    def mint(subject: str, **kwargs: Any) -> str:
        return mint_dev_access_token(
            dev_keys,
            subject=subject,
            issuer=kwargs.pop("issuer", DEV_ISSUER_DEFAULT),
            audience=kwargs.pop("audience", AUDIENCE_DEFAULT),
            **kwargs,
        )

    return mint


@pytest.fixture
def auth(dev_token: Callable[..., str]) -> Callable[[str], dict[str, str]]:
    """Authorization headers for a subject, with a development token."""

    def headers(subject: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {dev_token(subject)}"}

    return headers


@dataclass(frozen=True)
class Person:
    """A practitioner the test created directly in the directory."""

    id: uuid.UUID
    subject: str


class DirectoryFactory:
    """Create teams and practitioners straight in the database, with random ids."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def team(self, *, active: bool = True, name: str | None = None) -> uuid.UUID:
        team_id = uuid.uuid4()
        async with self._sessionmaker() as session, session.begin():
            session.add(
                Team(
                    id=team_id,
                    name=name or f"Test Team {team_id.hex[:10]}",
                    code=f"T-{team_id.hex[:12]}",
                    active=active,
                )
            )
        return team_id

    async def practitioner(
        self,
        *,
        roles: Sequence[str] = ("practitioner",),
        discipline: str = "social_worker",
        teams: Sequence[uuid.UUID] = (),
        manages: Sequence[uuid.UUID] = (),
        active: bool = True,
        display_name: str | None = None,
    ) -> Person:
        person_id = uuid.uuid4()
        subject = f"test-{person_id.hex}"
        async with self._sessionmaker() as session, session.begin():
            session.add(
                Practitioner(
                    id=person_id,
                    subject=subject,
                    display_name=display_name or f"Test Practitioner {person_id.hex[:8]}",
                    discipline_code=discipline,
                    roles=list(roles),
                    active=active,
                )
            )
            await session.flush()
            for team_id, role in [(t, "member") for t in teams] + [(t, "manager") for t in manages]:
                session.add(
                    TeamMembership(
                        id=uuid.uuid4(),
                        practitioner_id=person_id,
                        team_id=team_id,
                        role_in_team=role,
                    )
                )
        return Person(person_id, subject)


@pytest.fixture(scope="session")
async def directory_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database for arranging directory data and reading audit rows."""
    engine = create_async_engine(async_database_url(database_url), pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
def directory(directory_engine: AsyncEngine) -> DirectoryFactory:
    """Factories for directory records."""
    return DirectoryFactory(async_sessionmaker(directory_engine, expire_on_commit=False))
