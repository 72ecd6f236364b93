"""The directory always keeps an active administrator, and nobody deactivates themselves.

"Last" is a property of the whole directory, so most tests here run on a directory of their
own (a fresh database with only the directory schema), where they decide who the
administrators are.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from services.migrate import alembic_config
from services.registry import GATEWAY
from services.settings import async_database_url
from tests.conftest import PROJECT_ROOT
from tests.gateway.conftest import DirectoryFactory, Person, SettingsFactory, open_gateway
from tests.support.database import fresh_database

Auth = Callable[[str], dict[str, str]]
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def lonely_database_url(database_url: str) -> Iterator[str]:
    """A database holding nothing but a migrated, empty directory."""
    with fresh_database(os.environ.get("TEST_DATABASE_URL"), PROJECT_ROOT / ".fsm") as url:
        command.upgrade(alembic_config(GATEWAY, url), "head")
        yield url


@pytest.fixture(scope="module")
async def lonely_engine(lonely_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(async_database_url(lonely_database_url), pool_size=2)
    yield engine
    await engine.dispose()


@pytest.fixture
async def lonely(lonely_engine: AsyncEngine) -> DirectoryFactory:
    """Factories on the lonely directory, starting each test with no active administrator."""
    async with lonely_engine.begin() as connection:
        await connection.execute(text("UPDATE directory.practitioner SET active = false"))
    return DirectoryFactory(async_sessionmaker(lonely_engine, expire_on_commit=False))


def lonely_settings(gateway_settings: SettingsFactory, url: str, **overrides: Any) -> Any:
    return gateway_settings(database_url=url, **overrides)


async def admin_in(directory: DirectoryFactory) -> Person:
    return await directory.practitioner(roles=("administrator",), discipline="business_support")


async def active_administrators(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT subject FROM directory.practitioner"
                " WHERE active AND 'administrator' = ANY(roles)"
            )
        )
        return {row.subject for row in rows}


async def etag_of(client: httpx.AsyncClient, headers: dict[str, str], person: Person) -> str:
    """Read a practitioner's record and return its ETag, for If-Match."""
    response = await client.get(f"/directory/practitioners/{person.id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def assert_problem(response: httpx.Response, slug: str) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith("/" + slug)


async def test_nobody_deactivates_themselves(
    gateway: httpx.AsyncClient, auth: Auth, directory: DirectoryFactory
) -> None:
    admin = await admin_in(directory)
    await admin_in(directory)  # another administrator exists: this is not about the last one
    response = await gateway.post(
        f"/directory/practitioners/{admin.id}/deactivate", headers=auth(admin.subject)
    )
    assert_problem(response, "self-deactivation")
    me = await gateway.get("/me", headers=auth(admin.subject))
    assert me.status_code == 200


async def test_the_last_administrator_keeps_the_role(
    gateway_settings: SettingsFactory,
    lonely_database_url: str,
    lonely_engine: AsyncEngine,
    lonely: DirectoryFactory,
    auth: Auth,
) -> None:
    alone = await admin_in(lonely)
    worker = await lonely.practitioner()
    async with open_gateway(lonely_settings(gateway_settings, lonely_database_url)) as (_, client):
        headers = auth(alone.subject)
        etag = await etag_of(client, headers, alone)
        demoted = await client.patch(
            f"/directory/practitioners/{alone.id}",
            headers={**headers, "If-Match": etag},
            json={"roles": ["practitioner"]},
        )
        assert_problem(demoted, "last-administrator")

        # With a second administrator in place, the first may step down.
        colleague = await client.patch(
            f"/directory/practitioners/{worker.id}",
            headers={**headers, "If-Match": await etag_of(client, headers, worker)},
            json={"roles": ["administrator", "practitioner"]},
        )
        assert colleague.status_code == 200, colleague.text
        stepped_down = await client.patch(
            f"/directory/practitioners/{alone.id}",
            headers={**headers, "If-Match": etag},
            json={"roles": ["practitioner"]},
        )
        assert stepped_down.status_code == 200, stepped_down.text
    assert await active_administrators(lonely_engine) == {worker.subject}


async def test_a_stale_replica_cannot_remove_the_last_administrator(
    gateway_settings: SettingsFactory,
    lonely_database_url: str,
    lonely_engine: AsyncEngine,
    lonely: DirectoryFactory,
    auth: Auth,
) -> None:
    first, second = await admin_in(lonely), await admin_in(lonely)
    # Two gateway replicas; the second remembers `second` as an active administrator.
    settings = lonely_settings(
        gateway_settings, lonely_database_url, principal_cache_ttl_seconds=300
    )
    async with (
        open_gateway(settings) as (_, replica_one),
        open_gateway(settings) as (app_two, replica_two),
    ):
        # Replica two has not heard of the change yet (its notice is still on the way).
        deaf = app_two.state.gateway.principals
        deaf.forget_practitioner = deaf.forget_all = lambda *args: None
        deaf.listening = True
        assert (await replica_two.get("/me", headers=auth(second.subject))).status_code == 200
        deactivated = await replica_one.post(
            f"/directory/practitioners/{second.id}/deactivate", headers=auth(first.subject)
        )
        assert deactivated.status_code == 200, deactivated.text

        # `second` is gone, but replica two does not know yet: it still admits them.
        stale = auth(second.subject)
        refused = await replica_two.post(
            f"/directory/practitioners/{first.id}/deactivate", headers=stale
        )
        assert_problem(refused, "last-administrator")
        demoted = await replica_two.patch(
            f"/directory/practitioners/{first.id}",
            headers={**stale, "If-Match": await etag_of(replica_two, stale, first)},
            json={"roles": ["practitioner"]},
        )
        assert_problem(demoted, "last-administrator")
    assert await active_administrators(lonely_engine) == {first.subject}


async def test_two_administrators_deactivating_each_other_at_once_leave_one(
    gateway_settings: SettingsFactory,
    lonely_database_url: str,
    lonely_engine: AsyncEngine,
    lonely: DirectoryFactory,
    auth: Auth,
) -> None:
    async with open_gateway(lonely_settings(gateway_settings, lonely_database_url)) as (_, client):
        for _ in range(5):
            a, b = await admin_in(lonely), await admin_in(lonely)
            results = await asyncio.gather(
                client.post(f"/directory/practitioners/{b.id}/deactivate", headers=auth(a.subject)),
                client.post(f"/directory/practitioners/{a.id}/deactivate", headers=auth(b.subject)),
            )
            statuses = sorted(response.status_code for response in results)
            assert statuses == [200, 409], [response.text for response in results]
            (refused,) = [response for response in results if response.status_code == 409]
            assert_problem(refused, "last-administrator")
            survivors = await active_administrators(lonely_engine)
            assert len(survivors) == 1
            assert survivors <= {a.subject, b.subject}
            # Start the next round with nobody: the survivor steps aside behind the API's back.
            async with lonely_engine.begin() as connection:
                await connection.execute(text("UPDATE directory.practitioner SET active = false"))
