"""Every refusal at the gateway leaves an audit record; a flood of bad tokens leaves a tally."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.client_address import address_key
from gateway.refusals.token_failures import token_prefix
from gateway.settings import GatewaySettings
from tests.gateway.conftest import DirectoryFactory, Person, SettingsFactory, open_gateway
from tests.gateway.upstreams import EchoUpstream

Auth = Callable[[str], dict[str, str]]
PROXY = "203.0.113.9"  # the address open_gateway's client connects from
BAD_TOKEN = "x.y.z"


def fresh_address() -> tuple[str, str]:
    """A client address no other test uses (an IPv6 address), and its audit key (its /64)."""
    n = secrets.randbits(32)
    address = f"2001:db8:{n >> 16:x}:{n & 0xFFFF:x}::1"
    return address, address_key(ipaddress.IPv6Address(address))


def behind_proxy(gateway_settings: SettingsFactory, **overrides: Any) -> GatewaySettings:
    """The gateway behind a trusted proxy, so each test can call from an address of its own."""
    return gateway_settings(gateway_trusted_proxies=(f"{PROXY}/32",), **overrides)


_SELECT = (
    "SELECT action, outcome, actor_subject, resource_id, details, request_id,"
    " details::text AS details_text FROM directory.audit_log"
)
_BY = {
    "address": text(_SELECT + " WHERE resource_id = :value ORDER BY seq"),
    "request": text(_SELECT + " WHERE request_id = :value ORDER BY seq"),
}


async def audit_rows(engine: AsyncEngine, by: str, value: str) -> list[Any]:
    """Audit rows about one client address, or written for one request."""
    async with engine.connect() as connection:
        return list((await connection.execute(_BY[by], {"value": value})).all())


class Recorder(logging.Handler):
    """Keep every record a logger emits."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def captured(logger: str) -> Iterator[list[logging.LogRecord]]:
    recorder = Recorder()
    logging.getLogger(logger).addHandler(recorder)
    try:
        yield recorder.records
    finally:
        logging.getLogger(logger).removeHandler(recorder)


async def test_a_flood_of_bad_tokens_becomes_one_tallied_row_per_address_and_window(
    gateway_settings: SettingsFactory,
    echoes: dict[str, EchoUpstream],
    directory_engine: AsyncEngine,
) -> None:
    address, key = fresh_address()
    settings = behind_proxy(
        gateway_settings,
        auth_failure_audit_window_seconds=3600,
        auth_failure_limit_requests=10,
        auth_failure_limit_burst=10,
    )
    forwarded = {"X-Forwarded-For": address}
    with captured("gateway.refusals.token_failures") as records:
        async with open_gateway(settings, echoes) as (_, client):
            for headers in (
                [{"Authorization": f"Bearer {BAD_TOKEN}"}] * 8
                + [{}] * 2
                + [{"Authorization": f"Bearer {BAD_TOKEN}"}] * 20
            ):
                await client.get("/workbook/cases", headers={**headers, **forwarded})
            # Nothing is written on the request path: the window is still open.
            assert await audit_rows(directory_engine, "address", key) == []
        # The gateway's shutdown writes what it still holds.
    rows = await audit_rows(directory_engine, "address", key)

    # One row per window (two if the run straddled the hour), 30 failures in all.
    assert 1 <= len(rows) <= 2
    assert sum(row.details["count"] for row in rows) == 30
    assert {row.action for row in rows} == {"gateway.token.refused"}
    assert {(row.outcome, row.actor_subject) for row in rows} == {("denied", "anonymous")}
    reasons: dict[str, int] = {}
    for row in rows:
        for reason, count in row.details["reasons"].items():
            reasons[reason] = reasons.get(reason, 0) + count
    assert reasons["missing"] == 2
    assert reasons["rate_limited"] == 20
    # Never the token: a short hash prefix of it at most.
    assert all(BAD_TOKEN not in row.details_text for row in rows)
    assert token_prefix(BAD_TOKEN) in rows[0].details["token_prefixes"]
    # One warning line per address and window, with the count, without the token.
    lines = [r for r in records if r.levelno == logging.WARNING and key in r.getMessage()]
    assert len(lines) == len(rows)
    assert sum(int(r.getMessage().split()[0]) for r in lines) == 30
    assert all(BAD_TOKEN not in r.getMessage() for r in lines)


async def test_closed_windows_are_written_while_the_gateway_runs(
    gateway_settings: SettingsFactory,
    echoes: dict[str, EchoUpstream],
    directory_engine: AsyncEngine,
) -> None:
    address, key = fresh_address()
    settings = behind_proxy(gateway_settings, auth_failure_audit_window_seconds=1)
    async with open_gateway(settings, echoes) as (_, client):
        for _ in range(3):
            await client.get("/me", headers={"X-Forwarded-For": address})
        deadline = time.monotonic() + 15
        while not (rows := await audit_rows(directory_engine, "address", key)):
            assert time.monotonic() < deadline, "the background writer never wrote the window"
            await asyncio.sleep(0.2)
    assert sum(row.details["count"] for row in rows) == 3


async def test_administrators_list_token_failures_by_address_newest_first(
    gateway_settings: SettingsFactory,
    echoes: dict[str, EchoUpstream],
    auth: Auth,
    directory: DirectoryFactory,
) -> None:
    admin = await directory.practitioner(roles=("administrator",), discipline="business_support")
    worker = await directory.practitioner()
    team = await directory.team()
    manager = await directory.practitioner(roles=("practitioner", "team_manager"), manages=[team])
    (first, first_key), (second, second_key) = fresh_address(), fresh_address()
    settings = behind_proxy(gateway_settings, auth_failure_audit_window_seconds=3600)
    async with open_gateway(settings, echoes) as (_, client):
        for address, times in ((first, 2), (second, 4)):
            for _ in range(times):
                await client.get("/me", headers={"X-Forwarded-For": address})
    async with open_gateway(settings, echoes) as (_, client):
        headers = auth(admin.subject)
        listed = await client.get("/directory/token-failures?limit=200", headers=headers)
        assert listed.status_code == 200, listed.text
        addresses = [item["address"] for item in listed.json()["items"]]
        assert addresses.index(second_key) < addresses.index(first_key)  # newest first

        only = await client.get(
            "/directory/token-failures", params={"address": first_key}, headers=headers
        )
        (item,) = only.json()["items"]
        assert item["count"] == 2
        assert item["reasons"] == {"missing": 2}
        assert item["window_start"] < item["window_end"]

        page = await client.get("/directory/token-failures?limit=1", headers=headers)
        cursor = page.json()["next_cursor"]
        assert cursor is not None
        following = await client.get(
            "/directory/token-failures", params={"limit": 1, "cursor": cursor}, headers=headers
        )
        assert following.json()["items"] != page.json()["items"]

        for reader in (worker, manager):
            refused = await client.get("/directory/token-failures", headers=auth(reader.subject))
            assert refused.status_code == 403
            assert refused.headers["content-type"] == "application/problem+json"
        assert (await client.get("/directory/token-failures")).status_code == 401
        for bad in ("?cursor=zz", "?address=%00", "?limit=0"):
            response = await client.get("/directory/token-failures" + bad, headers=headers)
            assert response.status_code in (400, 422), bad
            assert response.headers["content-type"] == "application/problem+json"


@pytest.fixture
async def person(directory: DirectoryFactory) -> Person:
    return await directory.practitioner(teams=[await directory.team()])


async def test_a_403_from_the_directory_is_audited_with_who_what_and_request_id(
    gateway: httpx.AsyncClient, auth: Auth, person: Person, directory_engine: AsyncEngine
) -> None:
    response = await gateway.get("/directory/teams", headers=auth(person.subject))
    assert response.status_code == 403
    rows = await audit_rows(directory_engine, "request", response.headers["x-request-id"])
    (row,) = rows
    assert row.action == "gateway.access.refused"
    assert row.outcome == "denied"
    assert row.actor_subject == person.subject
    assert row.resource_id == "GET /directory/teams"
    assert row.details["status"] == 403


async def test_another_teams_record_is_audited_as_not_found_but_a_mistyped_url_is_not(
    gateway: httpx.AsyncClient,
    auth: Auth,
    directory: DirectoryFactory,
    directory_engine: AsyncEngine,
) -> None:
    mine, theirs = await directory.team(), await directory.team()
    manager = await directory.practitioner(roles=("practitioner", "team_manager"), manages=[mine])
    stranger = await directory.practitioner(teams=[theirs])
    headers = auth(manager.subject)

    hidden = await gateway.get(f"/directory/practitioners/{stranger.id}", headers=headers)
    assert hidden.status_code == 404
    (row,) = await audit_rows(directory_engine, "request", hidden.headers["x-request-id"])
    assert (row.outcome, row.actor_subject) == ("not_found", manager.subject)
    assert row.resource_id == "GET /directory/practitioners/{practitioner_id}"
    assert row.details["path_params"] == {"practitioner_id": str(stranger.id)}

    typo = await gateway.get("/directory/practitionerz", headers=headers)
    assert typo.status_code == 404
    assert await audit_rows(directory_engine, "request", typo.headers["x-request-id"]) == []


@pytest.mark.parametrize("path", ["/me", "/workbook/cases/123"])
async def test_a_caller_who_is_not_an_active_practitioner_is_audited(
    gateway: httpx.AsyncClient,
    auth: Auth,
    directory: DirectoryFactory,
    directory_engine: AsyncEngine,
    echoes: dict[str, EchoUpstream],
    path: str,
) -> None:
    former = await directory.practitioner(active=False)
    stranger = f"never-registered-{uuid.uuid4().hex}"
    for subject in (former.subject, stranger):
        response = await gateway.get(path, headers=auth(subject))
        assert response.status_code == 403
        (row,) = await audit_rows(directory_engine, "request", response.headers["x-request-id"])
        assert (row.action, row.outcome) == ("gateway.access.refused", "denied")
        assert row.actor_subject == subject
        assert row.details == {"status": 403, "reason": "not-an-active-practitioner"}
        expected = "GET /me" if path == "/me" else "GET /workbook/{path}"
        assert row.resource_id == expected
    assert echoes["workbook"].seen == []
