"""/me, the demo directory, and configuration the gateway refuses to start with."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from gateway.directory.demo import (
    DEMO_PRACTITIONERS,
    DEMO_SOCIAL_WORKER_NORTH_ID,
    DEMO_SUBJECTS,
    DEMO_TEAM_NORTH_ID,
    seed_demo,
)
from gateway.directory.models import Practitioner, Team, TeamMembership
from gateway.settings import DEV_ISSUER_DEFAULT, GatewaySettings
from tests.gateway.conftest import DirectoryFactory, SettingsFactory

Auth = Callable[[str], dict[str, str]]


async def test_me_returns_the_resolved_principal(
    gateway: httpx.AsyncClient, auth: Auth, directory: DirectoryFactory
) -> None:
    north, south, closed = (
        await directory.team(),
        await directory.team(),
        await directory.team(active=False),
    )
    person = await directory.practitioner(
        roles=("practitioner", "team_manager"),
        discipline="mental_health_practitioner",
        teams=[north, closed],
        manages=[south],
    )
    response = await gateway.get("/me", headers=auth(person.subject))
    assert response.status_code == 200
    me = response.json()
    assert me["subject"] == person.subject
    assert me["practitioner_id"] == str(person.id)
    assert me["discipline"] == "mental_health_practitioner"
    assert me["roles"] == ["practitioner", "team_manager"]
    # An inactive team confers nothing.
    assert set(me["team_ids"]) == {str(north), str(south)}
    assert me["managed_team_ids"] == [str(south)]
    assert {(t["id"], t["role_in_team"]) for t in me["teams"]} == {
        (str(north), "member"),
        (str(south), "manager"),
    }


async def test_demo_seed_is_idempotent_and_usable(
    directory_engine: AsyncEngine, gateway: httpx.AsyncClient, auth: Auth
) -> None:
    for _ in range(2):
        async with AsyncSession(directory_engine) as session, session.begin():
            await seed_demo(session)
    async with AsyncSession(directory_engine) as session:
        ids = [p.id for p in DEMO_PRACTITIONERS]
        count = await session.scalar(
            select(func.count()).select_from(Practitioner).where(Practitioner.id.in_(ids))
        )
        versions = set(
            (await session.scalars(select(Team.version).where(Team.id == DEMO_TEAM_NORTH_ID))).all()
        )
        memberships = await session.scalar(
            select(func.count())
            .select_from(TeamMembership)
            .where(TeamMembership.practitioner_id.in_(ids))
        )
    assert count == len(DEMO_PRACTITIONERS)
    assert versions == {1}  # a rerun changes nothing
    assert memberships == sum(1 for p in DEMO_PRACTITIONERS if p.team_id is not None)
    assert all("Demo" in name for name in DEMO_SUBJECTS.values())

    me = await gateway.get("/me", headers=auth("demo-social-worker-north"))
    assert me.status_code == 200
    assert me.json()["practitioner_id"] == str(DEMO_SOCIAL_WORKER_NORTH_ID)
    assert me.json()["team_ids"] == [str(DEMO_TEAM_NORTH_ID)]


def _production(**overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "environment": "production",
        "database_url": "postgresql://db.internal/fsm",
        "auth_jwks_url": "https://login.council.example/certs",
        "auth_issuer": "https://login.council.example/",
        "internal_signing_key_file": Path("/run/secrets/internal.pem"),
    }
    values.update(overrides)
    return GatewaySettings(**values)


def test_production_configuration_is_accepted_when_complete() -> None:
    settings = _production()
    assert settings.dev_issuer_trusted is None
    assert settings.auth_dev_issuer is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"auth_dev_issuer": DEV_ISSUER_DEFAULT},
        {"auth_dev_issuer": "anything"},
        {"auth_jwks_url": None},
        {"auth_issuer": None},
        {"auth_jwks_url": "http://login.council.example/certs"},
        {"internal_signing_key_file": None},
        {"auth_algorithms": ("HS256",)},
        {"auth_algorithms": ()},
    ],
)
def test_production_refuses_unsafe_configuration(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        _production(**overrides)


def test_production_refuses_the_dev_issuer_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FSM_AUTH_DEV_ISSUER", DEV_ISSUER_DEFAULT)
    with pytest.raises(ValidationError):
        _production()


def test_development_trusts_the_dev_issuer_by_default(gateway_settings: SettingsFactory) -> None:
    assert gateway_settings().dev_issuer_trusted == DEV_ISSUER_DEFAULT
    assert gateway_settings(environment="development").dev_issuer_trusted == DEV_ISSUER_DEFAULT
    assert gateway_settings(auth_dev_issuer="").dev_issuer_trusted is None


def test_upstreams_come_from_the_cli_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FSM_GATEWAY_UPSTREAM_WORKBOOK", "http://127.0.0.1:9101")
    monkeypatch.setenv("FSM_GATEWAY_UPSTREAM_SUPERVISION", "http://127.0.0.1:9102/")
    monkeypatch.setenv("FSM_GATEWAY_UPSTREAM_INTERVENTION", "http://127.0.0.1:9103")
    from services.registry import INTERVENTION, SUPERVISION, WORKBOOK

    settings = GatewaySettings(environment="test")
    assert settings.upstream_url(WORKBOOK) == "http://127.0.0.1:9101"
    assert settings.upstream_url(SUPERVISION) == "http://127.0.0.1:9102"
    assert settings.upstream_url(INTERVENTION) == "http://127.0.0.1:9103"
