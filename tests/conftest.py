"""Test infrastructure: a real PostgreSQL with the real migrations, real apps over ASGI.

One fresh database per test run, migrated with the production Alembic revisions. Tests isolate
by creating their own teams, practitioners and records (random ids), not by rolling back: the
concurrency, idempotency, outbox and audit tests need real commits, and the audit log refuses
TRUNCATE by design.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from services.migrate import upgrade_all
from services.principal import Principal
from services.settings import KernelSettings
from tests.support import change_feed
from tests.support.database import fresh_database
from tests.support.events import TEST_INBOX_SECRET

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A freshly created database, migrated to head, dropped after the run."""
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), PROJECT_ROOT / ".fsm") as url:
        upgrade_all(url)
        change_feed.DATABASE_URL = url
        yield url


@pytest.fixture(scope="session")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state folder with freshly generated development keys."""
    from services.dev_keys import ensure_dev_keys

    path = tmp_path_factory.mktemp("fsm-state")
    ensure_dev_keys(path)
    return path


@pytest.fixture(scope="session")
def kernel_settings(database_url: str, state_dir: Path) -> KernelSettings:
    """Settings every service app under test shares."""
    return KernelSettings(
        environment="test",
        database_url=database_url,
        state_dir=state_dir,
        log_json=True,
        db_pool_size=5,
        # Two shared cores run every test at once: a budget this long only ever ends for a
        # database that does not answer (the budget's own tests set theirs).
        db_wait_budget_seconds=5.0,
        inbox_secrets=(TEST_INBOX_SECRET,),
    )


@pytest.fixture
def make_principal() -> Callable[..., Principal]:
    """Build a principal with fresh ids; tests choose its discipline, roles and teams."""

    def build(
        *,
        discipline: str = "social_worker",
        roles: tuple[str, ...] = ("practitioner",),
        teams: tuple[uuid.UUID, ...] = (),
        manages: tuple[uuid.UUID, ...] = (),
        subject: str | None = None,
    ) -> Principal:
        practitioner_id = uuid.uuid4()
        return Principal(
            subject=subject or f"test|{practitioner_id.hex[:12]}",
            practitioner_id=practitioner_id,
            display_name=f"Test Practitioner {practitioner_id.hex[:6]}",
            discipline=discipline,
            roles=frozenset(roles),
            team_ids=frozenset(teams) | frozenset(manages),
            managed_team_ids=frozenset(manages),
        )

    return build


@pytest.fixture(scope="session")
def internal_headers(state_dir: Path) -> Callable[[Principal, str], dict[str, str]]:
    """Headers a service accepts: the gateway's internal token for a principal."""
    from services.dev_keys import load_dev_keys
    from services.internal_token import InternalTokenIssuer

    keys = load_dev_keys(state_dir)
    issuer = InternalTokenIssuer(keys.internal_private_pem, keys.internal_kid)

    def headers(principal: Principal, service: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issuer.token_for(principal, service)}"}

    return headers


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan and give a client that talks to it over ASGI."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def database_name(url: str) -> str:
    """The database part of a URL, for messages."""
    return str(make_url(url).database)
