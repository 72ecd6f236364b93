"""Fixtures for supervision tests: the real supervision app over ASGI on the real database.

Cases, allocations and practitioners reach it as the workbook and the directory announce them:
signed snapshots delivered to its inbox (tests/projection/factories.py).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.principal import Principal
from services.settings import KernelSettings, async_database_url
from supervision_api.app import create_app
from tests.conftest import running
from tests.projection.factories import allocation_snapshot, announce, case_snapshot

Headers = Callable[[Principal], dict[str, str]]
MakePrincipal = Callable[..., Principal]


@pytest.fixture(scope="package")
async def client(kernel_settings: KernelSettings) -> AsyncIterator[httpx.AsyncClient]:
    """A client for the supervision app, its real lifespan run once for the session."""
    async with running(create_app(kernel_settings)) as supervision:
        yield supervision


@pytest.fixture(scope="package")
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A direct engine for assertions on what was stored (outbox events)."""
    engine = create_async_engine(async_database_url(database_url))
    yield engine
    await engine.dispose()


async def outbox_events(engine: AsyncEngine, subject_prefix: str) -> list[Row[Any]]:
    """Supervision's outbox events whose subject starts with a prefix, oldest first."""
    async with engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT type, subject, data, team_id FROM supervision.outbox_event"
                " WHERE subject LIKE :prefix ORDER BY position"
            ),
            {"prefix": subject_prefix + "%"},
        )
        return list(result)


@pytest.fixture(scope="package")
def as_(internal_headers: Callable[[Principal, str], dict[str, str]]) -> Headers:
    """Headers carrying the gateway's internal token for a principal, for supervision."""

    def headers(principal: Principal) -> dict[str, str]:
        return internal_headers(principal, "supervision")

    return headers


@dataclass
class Team:
    """A team with a manager, two workers and an outsider from another team."""

    id: uuid.UUID
    manager: Principal
    social_worker: Principal
    specialist: Principal
    colleague: Principal
    outsider_manager: Principal
    outsider: Principal


@pytest.fixture
def team(make_principal: MakePrincipal) -> Team:
    """A fresh team and its people (the directory's snapshots are not needed: principals carry
    their teams)."""
    team_id, other = uuid.uuid4(), uuid.uuid4()
    manager_roles = ("practitioner", "team_manager")
    return Team(
        id=team_id,
        manager=make_principal(discipline="team_manager", roles=manager_roles, manages=(team_id,)),
        social_worker=make_principal(teams=(team_id,)),
        specialist=make_principal(discipline="substance_misuse", teams=(team_id,)),
        colleague=make_principal(teams=(team_id,)),
        outsider_manager=make_principal(
            discipline="team_manager", roles=manager_roles, manages=(other,)
        ),
        outsider=make_principal(teams=(other,)),
    )


async def open_case(client: httpx.AsyncClient, team: Team, **changes: object) -> uuid.UUID:
    """Announce an open case of the team with its social worker and specialist allocated."""
    case = case_snapshot(team.id, **changes)
    await announce(
        client,
        case,
        allocation_snapshot(
            case, team.social_worker.practitioner_id, is_allocated_social_worker=True
        ),
        allocation_snapshot(case, team.specialist.practitioner_id, discipline="substance_misuse"),
    )
    return case.case_id
