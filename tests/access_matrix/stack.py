"""Every unit's real app over ASGI, and the personas as each unit knows them.

Personas are practitioners in the real directory; the principal a backend receives is the one
the gateway's own directory query resolves for them, carried in the gateway's internal token,
so the matrix sees exactly the identity a request through the gateway would carry.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI
from pydantic import AnyHttpUrl
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from gateway.directory import events as directory_events
from gateway.directory.lookup import load_principal
from gateway.directory.models import Practitioner, Team, TeamMembership
from gateway.directory.service import london_today
from gateway.settings import AUDIENCE_DEFAULT, DEV_ISSUER_DEFAULT, GatewaySettings
from services.dev_keys import load_dev_keys, mint_dev_access_token
from services.principal import Principal
from services.registry import BACKENDS, GATEWAY, WORKBOOK, Unit
from services.relay import OutboxRelay, RelaySettings, Subscriber
from services.settings import KernelSettings, async_database_url
from services.subscriptions import DIRECTORY_EVENTS, SUBSCRIPTIONS
from services.webhooks.settings import WebhookSettings
from tests.access_matrix.operations import unit_app_factory
from tests.access_matrix.personas import ANONYMOUS, Persona
from tests.gateway.upstreams import serve
from tests.support.events import TEST_INBOX_SECRET
from tests.support.tcp_proxy import free_port

InternalHeaders = Callable[[Principal, str], dict[str, str]]


def unit_settings(
    unit: Unit, kernel: KernelSettings, upstreams: Mapping[str, str] | None = None
) -> KernelSettings:
    """The settings a unit's app is built with in tests; `upstreams` are where the gateway
    reaches the backends' own APIs (its fan-out reads: the merged access log)."""
    if unit is GATEWAY:
        assert kernel.database_url is not None
        routes = {
            f"gateway_upstream_{name}": AnyHttpUrl(url) for name, url in (upstreams or {}).items()
        }
        return GatewaySettings(
            environment="test",
            database_url=kernel.database_url.get_secret_value(),
            state_dir=kernel.state_dir,
            log_json=True,
            db_pool_size=5,
            db_wait_budget_seconds=kernel.db_wait_budget_seconds,
            principal_cache_ttl_seconds=0,
            rate_limit_enabled=False,
            # The matrix sends hundreds of anonymous requests from one address on purpose.
            auth_failure_limit_enabled=False,
        ).model_copy(update=routes)
    # The matrix's subscriptions deliver nowhere, and other modules' must be delivered by
    # their own apps' relays alone: this session-long stack serves the API only.
    return kernel.model_copy(update={"webhooks": WebhookSettings(deliver=False)})


def build_app(
    unit: Unit, kernel: KernelSettings, upstreams: Mapping[str, str] | None = None
) -> FastAPI:
    """A unit's app, built with its own `create_app(settings)`."""
    return unit_app_factory(unit)(unit_settings(unit, kernel, upstreams))


@dataclass
class Directory:
    """The teams and practitioners the fixture put in the directory."""

    team_ids: dict[str, UUID]
    practitioner_ids: dict[str, UUID]
    subjects: dict[str, str]
    membership_ids: dict[str, UUID]


async def seed_directory(
    database_url: str, personas: Mapping[str, Persona], team_names: Mapping[str, str]
) -> tuple[Directory, dict[str, Principal]]:
    """Create the teams and personas in the directory and resolve each as the gateway would."""
    engine = create_async_engine(async_database_url(database_url), pool_size=1)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    team_ids = {letter: uuid.uuid4() for letter in team_names}
    directory = Directory(team_ids, {}, {}, {})
    try:
        async with sessions() as session, session.begin():
            for letter, name in team_names.items():
                tag = team_ids[letter].hex[:10]
                session.add(Team(id=team_ids[letter], name=name, code=f"MTX-{letter}-{tag}"))
            await session.flush()
            for persona in personas.values():
                if persona.anonymous:
                    continue
                pid = uuid.uuid4()
                directory.practitioner_ids[persona.name] = pid
                directory.subjects[persona.name] = f"matrix-{persona.name}-{pid.hex[:10]}"
                session.add(
                    Practitioner(
                        id=pid,
                        subject=directory.subjects[persona.name],
                        display_name=f"Matrix {persona.name.replace('_', ' ')} {pid.hex[:6]}",
                        discipline_code=persona.discipline,
                        roles=list(persona.roles),
                        active=True,
                    )
                )
            await session.flush()
            for persona in personas.values():
                places = [(t, "member") for t in persona.member_of]
                places += [(t, "manager") for t in persona.manager_of]
                for letter, role in places:
                    membership = TeamMembership(
                        id=uuid.uuid4(),
                        practitioner_id=directory.practitioner_ids[persona.name],
                        team_id=team_ids[letter],
                        role_in_team=role,
                    )
                    session.add(membership)
                    directory.membership_ids.setdefault(persona.name, membership.id)
        principals = {}
        async with sessions() as session:
            for name, subject in directory.subjects.items():
                answer = await load_principal(session, subject, london_today())
                assert answer.principal is not None, name
                assert answer.active, name
                principals[name] = answer.principal
    finally:
        await engine.dispose()
    return directory, principals


@dataclass
class Stack:
    """Clients for every unit and the credentials of every persona."""

    clients: dict[str, httpx.AsyncClient]
    principals: dict[str, Principal]
    access_tokens: dict[str, str]
    internal_headers: InternalHeaders
    apps: dict[str, FastAPI]

    def headers(self, persona: str, unit: Unit) -> dict[str, str]:
        """Credentials for a persona at a unit: an access token at the gateway, the gateway's
        internal token at a backend, nothing for the anonymous caller."""
        if persona == ANONYMOUS:
            return {}
        if unit is GATEWAY:
            return {"Authorization": f"Bearer {self.access_tokens[persona]}"}
        return self.internal_headers(self.principals[persona], unit.name)

    async def call(
        self,
        persona: str,
        unit: Unit,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Send one request to a unit as a persona (a JSON body, or raw `content`)."""
        merged = {**self.headers(persona, unit), **(headers or {})}
        return await self.clients[unit.name].request(
            method, path, params=params, json=json, headers=merged, content=content
        )


@asynccontextmanager
async def running_stack(
    kernel: KernelSettings,
    principals: dict[str, Principal],
    subjects: Mapping[str, str],
    internal_headers: InternalHeaders,
    state_dir: Path,
) -> AsyncIterator[Stack]:
    """Start every unit's app (lifespan included) and yield clients for them."""
    keys = load_dev_keys(state_dir)
    tokens = {
        name: mint_dev_access_token(
            keys, subject=subject, issuer=DEV_ISSUER_DEFAULT, audience=AUDIENCE_DEFAULT
        )
        for name, subject in subjects.items()
    }
    async with AsyncExitStack() as stack:
        clients: dict[str, httpx.AsyncClient] = {}
        apps: dict[str, FastAPI] = {}
        # Every backend also on a loopback port as in production: a unit another reads as its
        # caller (services/delegation.py) is reached there, and so is every backend by the
        # gateway's own fan-out (the merged access log). The ports are chosen first, since
        # units call each other both ways (the workbook's subject access reads the others).
        ports = {unit.name: free_port() for unit in BACKENDS}
        upstreams = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        settings = kernel.model_copy(
            update={"unit_urls": {name: AnyHttpUrl(url) for name, url in upstreams.items()}}
        )
        for unit in (*BACKENDS, GATEWAY):
            app = build_app(unit, settings, upstreams if unit is GATEWAY else None)
            await stack.enter_async_context(app.router.lifespan_context(app))
            if unit is not GATEWAY:
                await stack.enter_async_context(serve(app, ports[unit.name]))
            apps[unit.name] = app
            clients[unit.name] = await stack.enter_async_context(
                httpx.AsyncClient(
                    # A 500 is an answer the matrix judges, not an exception that stops it.
                    transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                    base_url=f"http://{unit.name}.test",
                    timeout=60,
                )
            )
        await announce_directory(
            apps[GATEWAY.name], [p.practitioner_id for p in principals.values()], apps
        )
        yield Stack(clients, principals, tokens, internal_headers, apps)


async def announce_directory(
    gateway: FastAPI, practitioner_ids: list[UUID], apps: Mapping[str, FastAPI]
) -> None:
    """Tell every service about the personas as production does: the directory publishes
    their snapshots and its outbox relay delivers them, signed, to each unit's inbox."""
    sessions = gateway.state.sessionmaker
    async with sessions() as session, session.begin():
        for practitioner_id in practitioner_ids:
            practitioner = await session.get(Practitioner, practitioner_id)
            assert practitioner is not None
            await directory_events.practitioner_changed(session, practitioner)
    receivers = [unit for unit in BACKENDS if unit.name in apps]
    mounts = {
        f"http://{unit.name}.test": httpx.ASGITransport(app=apps[unit.name]) for unit in receivers
    }
    async with httpx.AsyncClient(mounts=mounts) as client:
        relay = OutboxRelay(
            sessions,
            gateway.state.kernel,
            RelaySettings(
                subscribers=[
                    Subscriber(
                        name=unit.name,
                        url=f"http://{unit.name}.test/events",
                        secret=TEST_INBOX_SECRET,
                        types=[DIRECTORY_EVENTS],
                    )
                    for unit in receivers
                ]
            ),
            client,
        )
        while await relay.run_once():
            pass


# --- Workflow units learn cases from the workbook's events ---
# The one relay of the workbook's outbox in the matrix, and one at a time: a relay that returns
# has delivered every event committed before it began, which is what a caller waiting for its
# case to reach the workflows needs. Two relays side by side would break that: one would find
# the events leased by the other, still in flight, and return at once.
_CASE_RELAY = asyncio.Lock()


async def relay_case_events(stack: Stack) -> None:
    """Deliver the workbook's committed events to the units that subscribe to them (the case
    projection of supervision and intervention), signed, as the workbook's relay does."""
    workbook = stack.apps[WORKBOOK.name]
    subscriptions = [
        s for s in SUBSCRIPTIONS if s.publisher is WORKBOOK and s.receiver.name in stack.apps
    ]
    mounts = {
        f"http://{s.receiver.name}.test": httpx.ASGITransport(app=stack.apps[s.receiver.name])
        for s in subscriptions
    }
    subscribers = [
        Subscriber(
            name=s.receiver.name,
            url=f"http://{s.receiver.name}.test/events",
            secret=TEST_INBOX_SECRET,
            types=list(s.types),
        )
        for s in subscriptions
    ]
    async with _CASE_RELAY, httpx.AsyncClient(mounts=mounts) as client:
        relay = OutboxRelay(
            workbook.state.sessionmaker,
            workbook.state.kernel,
            RelaySettings(subscribers=subscribers),
            client,
        )
        # Fan everything out first: a batch of events nobody here takes delivers nothing.
        while await relay.fan_out():
            pass
        while await relay.run_once():
            pass
