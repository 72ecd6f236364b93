"""A unit's own access log (services/access_log/), on the workbook: who reads which rows."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import MetaData

from services.access_log.ownership import find_case_ownership
from supervision_api.models import kernel as supervision_kernel
from tests.workbook.factories import Headers, case_world, member_id, principal
from workbook_api.models import kernel as workbook_kernel

DPO = principal(discipline="business_support", roles=("dpo",))


def rows(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_the_dpo_reads_every_row_about_a_case_newest_first(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    await client.get(f"/cases/{world.case_id}", headers=as_(world.social_worker))
    refused = await client.get(f"/cases/{world.case_id}", headers=as_(world.outsider))
    assert refused.status_code == 404

    found = rows(
        await client.get(
            "/access-log",
            params={"case_id": world.case_id},
            headers=as_(DPO) | {"X-Access-Purpose": "data_protection"},
        )
    )

    assert [row["unit"] for row in found] == ["workbook"] * len(found)
    times = [row["occurred_at"] for row in found]
    assert times == sorted(times, reverse=True)
    actors = {(row["actor_practitioner_id"], row["outcome"]) for row in found}
    assert (str(world.social_worker.practitioner_id), "success") in actors
    assert (str(world.outsider.practitioner_id), "not_found") in actors
    assert {row["case_id"] for row in found} == {world.case_id}


async def test_refusals_are_listed_by_their_own_filter(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    await client.get(f"/cases/{world.case_id}", headers=as_(world.social_worker))
    await client.get(f"/cases/{world.case_id}", headers=as_(world.outsider))

    found = rows(
        await client.get(
            "/access-log", params={"case_id": world.case_id, "refusals": "true"}, headers=as_(DPO)
        )
    )

    assert [(row["actor_practitioner_id"], row["outcome"]) for row in found] == [
        (str(world.outsider.practitioner_id), "not_found")
    ]


async def test_break_glass_grants_are_listed_by_their_own_filter(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    stranger = principal(teams=(uuid.uuid4(),))
    grant = await client.post(
        f"/cases/{world.case_id}/break-glass",
        json={
            "justification": "Police welfare check out of hours, allocated worker unreachable",
            "duration_minutes": 60,
        },
        headers=as_(stranger),
    )
    assert grant.status_code == 201, grant.text

    found = rows(
        await client.get(
            "/access-log",
            params={"case_id": world.case_id, "break_glass": "true"},
            headers=as_(DPO),
        )
    )

    assert [(row["actor_practitioner_id"], row["action"]) for row in found] == [
        (str(stranger.practitioner_id), "break_glass")
    ]


async def test_an_auditor_reads_only_their_own_teams_cases_rows(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    ours = await case_world(client, as_)
    theirs = await case_world(client, as_)
    await client.get(f"/cases/{ours.case_id}", headers=as_(ours.social_worker))
    await client.get(f"/cases/{theirs.case_id}", headers=as_(theirs.social_worker))
    auditor = principal(discipline="business_support", roles=("auditor",), teams=(ours.team_id,))

    own_case = rows(
        await client.get("/access-log", params={"case_id": ours.case_id}, headers=as_(auditor))
    )
    other_case = rows(
        await client.get("/access-log", params={"case_id": theirs.case_id}, headers=as_(auditor))
    )
    everything = rows(await client.get("/access-log", params={"limit": 200}, headers=as_(auditor)))

    assert own_case
    assert other_case == []
    assert {row["case_id"] for row in everything} == {ours.case_id}


async def test_the_family_filter_finds_the_familys_own_rows_and_its_cases(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    await client.get(f"/families/{world.family_id}", headers=as_(world.social_worker))
    await client.get(f"/cases/{world.case_id}", headers=as_(world.social_worker))
    child = member_id(world, "child")
    member = await client.get(
        f"/families/{world.family_id}/members/{child}", headers=as_(world.social_worker)
    )
    assert member.status_code == 200, member.text

    found = rows(
        await client.get(
            "/access-log",
            params={"family_id": world.family_id, "limit": 200},
            headers=as_(DPO),
        )
    )

    about = {(row["resource_type"], row["resource_id"] or row["case_id"]) for row in found}
    assert ("family", world.family_id) in about
    assert ("case", world.case_id) in about
    assert ("person", child) in about


async def test_practitioners_read_their_own_history_and_no_one_elses(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    await client.get(f"/cases/{world.case_id}", headers=as_(world.social_worker))
    await client.get(f"/cases/{world.case_id}", headers=as_(world.manager))

    mine = rows(await client.get("/access-log/mine", headers=as_(world.social_worker)))
    refused = await client.get("/access-log", headers=as_(world.social_worker))

    assert mine
    assert {row["actor_practitioner_id"] for row in mine} == {
        str(world.social_worker.practitioner_id)
    }
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"


async def test_reading_the_log_is_itself_audited_with_its_filters(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    dpo = principal(discipline="business_support", roles=("dpo",))
    await client.get(
        "/access-log",
        params={"case_id": world.case_id, "outcome": "denied"},
        headers=as_(dpo) | {"X-Access-Purpose": "data_protection"},
    )

    reads = rows(
        await client.get(
            "/access-log",
            params={"practitioner_id": str(dpo.practitioner_id), "resource_type": "access_log"},
            headers=as_(dpo),
        )
    )

    # The second read's own row commits after its answer: only the first is in it.
    [oldest] = reads
    assert oldest["purpose"] == "data_protection"
    assert oldest["details"]["filters"] == {"case_id": world.case_id, "outcome": "denied"}
    assert oldest["details"]["count"] == 0


async def test_pages_follow_the_cursor_without_repeats(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    for _ in range(3):
        await client.get(f"/cases/{world.case_id}", headers=as_(world.social_worker))
    params: dict[str, str | int] = {"case_id": world.case_id, "limit": 2}
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = await client.get(
            "/access-log", params=params | ({"cursor": cursor} if cursor else {}), headers=as_(DPO)
        )
        seen += [row["id"] for row in rows(page)]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    everything = rows(
        await client.get(
            "/access-log", params={"case_id": world.case_id, "limit": 200}, headers=as_(DPO)
        )
    )
    assert seen == [row["id"] for row in everything]
    assert len(seen) > 3


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2026-01-01T00:00:00"},
        {"until": "0.5"},
        {"until": "2026-13-01T00:00:00Z"},
        {"outcome": "maybe"},
        {"action": "Read; DROP"},
        {"case_id": "not-a-uuid"},
    ],
)
async def test_bad_filters_are_problems(
    client: httpx.AsyncClient, as_: Headers, params: dict[str, str]
) -> None:
    response = await client.get("/access-log", params=params, headers=as_(DPO))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_cursor_not_made_here_is_a_problem(client: httpx.AsyncClient, as_: Headers) -> None:
    response = await client.get("/access-log", params={"cursor": "bogus"}, headers=as_(DPO))
    assert response.status_code == 400


async def test_anonymous_callers_are_refused(client: httpx.AsyncClient) -> None:
    assert (await client.get("/access-log")).status_code == 401
    assert (await client.get("/access-log/mine")).status_code == 401


def test_workflow_units_find_their_case_projection_and_others_have_none() -> None:
    assert find_case_ownership(supervision_kernel.audit_log.metadata) is not None
    assert find_case_ownership(MetaData()) is None
    # The workbook names its own case table instead.
    assert find_case_ownership(workbook_kernel.audit_log.metadata) is None
