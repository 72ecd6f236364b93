"""The access log across every unit (gateway/access_log/): real backends behind the gateway."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from services.registry import BACKENDS, INTERVENTION
from services.registry import UNITS as ALL_UNITS
from services.settings import KernelSettings
from tests.access_matrix.stack import build_app
from tests.gateway.conftest import DirectoryFactory, Person, SettingsFactory, open_gateway
from tests.support.tcp_proxy import free_port
from tests.workbook.factories import child, parent

Auth = Callable[[str], dict[str, str]]
UNITS = {unit.name for unit in ALL_UNITS}


def items(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["items"]
    return found


@pytest.fixture
async def gateway(
    gateway_settings: SettingsFactory, kernel_settings: KernelSettings
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway in front of every real backend."""
    backends = {unit.name: build_app(unit, kernel_settings) for unit in BACKENDS}
    async with open_gateway(gateway_settings(), backends) as (_, client):
        yield client


async def a_case(
    gateway: httpx.AsyncClient, auth: Auth, directory: DirectoryFactory
) -> tuple[uuid.UUID, str, Person]:
    """A team, its manager, and a case the manager opened; returns the team, case, manager."""
    team = await directory.team()
    manager = await directory.practitioner(
        roles=("practitioner", "team_manager"), discipline="team_manager", manages=(team,)
    )
    family = await gateway.post(
        "/workbook/families",
        json={
            "name": "Access log family",
            "owning_team_id": str(team),
            "members": [child(), parent()],
        },
        headers=auth(manager.subject),
    )
    assert family.status_code == 201, family.text
    case = await gateway.post(
        "/workbook/cases",
        json={"family_id": family.json()["id"], "owning_team_id": str(team), "reason": "Referral"},
        headers=auth(manager.subject),
    )
    assert case.status_code == 201, case.text
    return team, str(case.json()["id"]), manager


async def test_the_dpo_reads_one_log_across_every_unit_merged_by_time(
    gateway: httpx.AsyncClient, auth: Auth, directory: DirectoryFactory
) -> None:
    dpo = await directory.practitioner(roles=("dpo",), discipline="business_support")
    _, case_id, manager = await a_case(gateway, auth, directory)
    outsider = await directory.practitioner(teams=(await directory.team(),))
    refused = await gateway.get(f"/workbook/cases/{case_id}", headers=auth(outsider.subject))
    assert refused.status_code == 404
    purpose = {"X-Access-Purpose": "data_protection"}

    about_case = items(
        await gateway.get(
            "/access-log", params={"case_id": case_id}, headers=auth(dpo.subject) | purpose
        )
    )
    refusals = items(
        await gateway.get(
            "/access-log",
            params={"case_id": case_id, "refusals": "true"},
            headers=auth(dpo.subject),
        )
    )
    # The DPO's first read (the one with a purpose) was recorded by the gateway and by every
    # unit it asked, with the purpose given.
    reads = items(
        await gateway.get(
            "/access-log",
            params={
                "practitioner_id": str(dpo.id),
                "resource_type": "access_log",
                "purpose": "data_protection",
            },
            headers=auth(dpo.subject),
        )
    )

    assert {row["unit"] for row in about_case} == {"workbook"}
    assert {row["outcome"] for row in about_case} == {"success", "not_found"}
    assert [row["outcome"] for row in refusals] == ["not_found"]
    assert sorted(row["unit"] for row in reads) == sorted(UNITS)
    keys = [row["occurred_at"] for row in reads]
    assert keys == sorted(keys, reverse=True)
    assert manager.id  # the case was opened by a manager the log names
    assert str(manager.id) in {row["actor_practitioner_id"] for row in about_case}


async def test_pages_of_the_merged_log_neither_repeat_nor_skip(
    gateway: httpx.AsyncClient, auth: Auth, directory: DirectoryFactory
) -> None:
    dpo = await directory.practitioner(roles=("dpo",), discipline="business_support")
    for _ in range(3):
        await gateway.get("/access-log", params={"limit": 1}, headers=auth(dpo.subject))
    mine = {"practitioner_id": str(dpo.id)}

    whole = items(
        await gateway.get("/access-log", params=mine | {"limit": 200}, headers=auth(dpo.subject))
    )
    paged: list[str] = []
    cursor: str | None = None
    while True:
        params = mine | {"limit": "3"} | ({"cursor": cursor} if cursor else {})
        page = await gateway.get("/access-log", params=params, headers=auth(dpo.subject))
        paged += [f"{row['unit']}:{row['id']}" for row in items(page)]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break

    # Each read adds rows of its own after the whole list was taken: compare the oldest.
    expected = [f"{row['unit']}:{row['id']}" for row in whole]
    # Three reads, each audited in every unit asked.
    assert len(expected) == 3 * len(UNITS)
    assert paged[-len(expected) :] == expected
    assert len(set(paged)) == len(paged)


async def test_auditors_read_their_teams_cases_and_practitioners_their_own_history(
    gateway: httpx.AsyncClient, auth: Auth, directory: DirectoryFactory
) -> None:
    team, case_id, manager = await a_case(gateway, auth, directory)
    _, other_case_id, _ = await a_case(gateway, auth, directory)
    auditor = await directory.practitioner(
        roles=("auditor",), discipline="business_support", teams=(team,)
    )

    own_team = items(
        await gateway.get("/access-log", params={"case_id": case_id}, headers=auth(auditor.subject))
    )
    other_team = items(
        await gateway.get(
            "/access-log", params={"case_id": other_case_id}, headers=auth(auditor.subject)
        )
    )
    refused = await gateway.get("/access-log", headers=auth(manager.subject))
    history = items(await gateway.get("/me/access-log", headers=auth(manager.subject)))
    anonymous = await gateway.get("/access-log")
    anonymous_history = await gateway.get("/me/access-log")

    assert own_team
    assert {row["case_id"] for row in own_team} == {case_id}
    assert other_team == []
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert {row["actor_practitioner_id"] for row in history} == {str(manager.id)}
    assert {"create"} <= {row["action"] for row in history}
    assert anonymous.status_code == 401
    assert anonymous_history.status_code == 401


async def test_the_export_is_csv_of_the_same_rows(
    gateway: httpx.AsyncClient, auth: Auth, directory: DirectoryFactory
) -> None:
    dpo = await directory.practitioner(roles=("dpo",), discipline="business_support")
    _, case_id, _ = await a_case(gateway, auth, directory)

    listed = items(
        await gateway.get("/access-log", params={"case_id": case_id}, headers=auth(dpo.subject))
    )
    export = await gateway.get(
        "/access-log/export", params={"case_id": case_id}, headers=auth(dpo.subject)
    )

    assert export.status_code == 200, export.text
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    records = list(csv.DictReader(io.StringIO(export.text)))
    assert [record["id"] for record in records] == [row["id"] for row in listed]
    assert {record["unit"] for record in records} == {"workbook"}


async def test_a_unit_that_cannot_answer_makes_the_log_unavailable(
    gateway_settings: SettingsFactory,
    kernel_settings: KernelSettings,
    auth: Auth,
    directory: DirectoryFactory,
) -> None:
    dpo = await directory.practitioner(roles=("dpo",), discipline="business_support")
    closed = f"http://127.0.0.1:{free_port()}"
    settings = gateway_settings(gateway_upstream_intervention=closed)
    backends = {
        unit.name: build_app(unit, kernel_settings) for unit in BACKENDS if unit is not INTERVENTION
    }
    async with open_gateway(settings, backends) as (_, client):
        response = await client.get("/access-log", headers=auth(dpo.subject))

    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert "intervention" in response.json()["detail"]
