"""Need-to-know on the projection: the workbook's rule, minus break-glass, as SQL and as 404s."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import httpx

from tests.projection.conftest import Headers, MakePrincipal
from tests.projection.factories import allocation_snapshot, announce, case_snapshot, hours_ago


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    body.pop("instance", None)
    return body


async def _sees(client: httpx.AsyncClient, headers: dict[str, str], case_id: UUID) -> bool:
    """Whether the caller can read the case; a refusal must be the 404 of a missing case."""
    one = await client.get(f"/cases/{case_id}", headers=headers)
    listed = await client.get("/cases", headers=headers)
    assert listed.status_code == 200, listed.text
    in_list = str(case_id) in listed.json()
    if one.status_code == 200:
        assert in_list
        return True
    missing = await client.get(f"/cases/{uuid.uuid4()}", headers=headers)
    assert _problem(one, 404) == _problem(missing, 404)
    assert not in_list
    return False


async def test_allocated_workers_and_the_team_s_managers_see_a_case_others_do_not(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    team, other_team = uuid.uuid4(), uuid.uuid4()
    worker = make_principal(teams=(team,))
    colleague = make_principal(teams=(team,))  # same team, not allocated
    manager = make_principal(roles=("practitioner", "team_manager"), manages=(team,))
    other_manager = make_principal(roles=("practitioner", "team_manager"), manages=(other_team,))
    outsider = make_principal(teams=(other_team,))
    case = case_snapshot(team)
    await announce(
        client,
        case,
        allocation_snapshot(case, worker.practitioner_id, is_allocated_social_worker=True),
    )

    assert await _sees(client, as_(worker), case.case_id)
    assert await _sees(client, as_(manager), case.case_id)
    for stranger in (colleague, other_manager, outsider):
        assert not await _sees(client, as_(stranger), case.case_id)

    standing = (await client.get(f"/cases/{case.case_id}", headers=as_(worker))).json()
    assert standing["allocated"]
    assert standing["allocated_social_worker"]
    assert standing["may_work"]
    assert not standing["may_manage"]
    assert (await client.get(f"/cases/{case.case_id}", headers=as_(manager))).json()["manages"]


async def test_only_the_owning_team_s_managers_and_the_system_take_a_manager_s_decision(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    team, other_team = uuid.uuid4(), uuid.uuid4()
    worker = make_principal(teams=(team,))
    manager = make_principal(roles=("practitioner", "team_manager"), manages=(team,))
    other_manager = make_principal(roles=("practitioner", "team_manager"), manages=(other_team,))
    system = make_principal(discipline="system", roles=("system",))
    case = case_snapshot(team)
    await announce(client, case, allocation_snapshot(case, worker.practitioner_id))
    url = f"/cases/{case.case_id}/decisions"

    assert (await client.post(url, headers=as_(manager))).status_code == 200
    assert (await client.post(url, headers=as_(system))).status_code == 200
    assert _problem(await client.post(url, headers=as_(worker)), 403)["type"].endswith("/forbidden")
    # Another team's manager is not told the case exists.
    assert _problem(await client.post(url, headers=as_(other_manager)), 404) == _problem(
        await client.post(f"/cases/{uuid.uuid4()}/decisions", headers=as_(other_manager)), 404
    )
    assert (await client.post(url)).status_code == 401
    assert (await client.get(f"/cases/{case.case_id}")).status_code == 401


async def test_an_allocation_gives_access_only_while_it_runs(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    team = uuid.uuid4()
    ended, future, running = (make_principal(teams=(team,)) for _ in range(3))
    case = case_snapshot(team)
    running_allocation = allocation_snapshot(case, running.practitioner_id)
    await announce(
        client,
        case,
        allocation_snapshot(case, ended.practitioner_id, ends_at=hours_ago(1), version=2),
        allocation_snapshot(case, future.practitioner_id, starts_at=hours_ago(-24)),
        running_allocation,
    )

    assert not await _sees(client, as_(ended), case.case_id)
    assert not await _sees(client, as_(future), case.case_id)
    assert await _sees(client, as_(running), case.case_id)

    # The allocation's end, announced as its next version, takes the case out of sight.
    await announce(
        client, running_allocation.model_copy(update={"ends_at": hours_ago(0.01), "version": 2})
    )
    assert not await _sees(client, as_(running), case.case_id)


async def test_a_closed_case_stays_visible_to_those_allocated_when_it_closed(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    team = uuid.uuid4()
    at_closure = make_principal(teams=(team,))
    left_before = make_principal(teams=(team,))
    manager = make_principal(roles=("practitioner", "team_manager"), manages=(team,))
    case = case_snapshot(team)
    closed_at = hours_ago(2)
    closed = case.model_copy(update={"status": "closed", "closed_at": closed_at, "version": 2})
    await announce(
        client,
        closed,
        # Closing ends every running allocation at the instant the case closes.
        allocation_snapshot(case, at_closure.practitioner_id, ends_at=closed_at, version=2),
        allocation_snapshot(case, left_before.practitioner_id, ends_at=hours_ago(48), version=2),
    )

    assert await _sees(client, as_(at_closure), case.case_id)
    assert not await _sees(client, as_(left_before), case.case_id)
    assert await _sees(client, as_(manager), case.case_id)
    standing = (await client.get(f"/cases/{case.case_id}", headers=as_(at_closure))).json()
    assert standing["status"] == "closed"
    assert not standing["allocated"]
    assert not standing["may_work"]

    # Reopened, access goes back to allocation: the workers of the closed spell lose it.
    reopened = closed.model_copy(
        update={"status": "open", "closed_at": None, "episode_number": 2, "version": 3}
    )
    await announce(client, reopened)
    assert not await _sees(client, as_(at_closure), case.case_id)
    assert await _sees(client, as_(manager), case.case_id)


async def test_auditors_read_their_own_teams_cases_only_and_decide_nothing(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    team, other_team = uuid.uuid4(), uuid.uuid4()
    auditor = make_principal(discipline="auditor", roles=("auditor",), teams=(team,))
    elsewhere = make_principal(discipline="auditor", roles=("auditor",), teams=(other_team,))
    case = case_snapshot(team)
    await announce(client, case)

    assert await _sees(client, as_(auditor), case.case_id)
    assert not await _sees(client, as_(elsewhere), case.case_id)
    standing = (await client.get(f"/cases/{case.case_id}", headers=as_(auditor))).json()
    assert not standing["may_work"]
    assert not standing["may_manage"]
    _problem(await client.post(f"/cases/{case.case_id}/decisions", headers=as_(auditor)), 403)


async def test_the_system_of_record_sees_every_case(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    system = make_principal(discipline="system", roles=("system",))
    cases = [case_snapshot(uuid.uuid4()) for _ in range(2)]
    await announce(client, *cases)

    for case in cases:
        assert await _sees(client, as_(system), case.case_id)


async def test_an_allocation_that_arrives_before_its_case_gives_nothing_until_the_case_comes(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    team = uuid.uuid4()
    worker = make_principal(teams=(team,))
    case = case_snapshot(team)
    await announce(client, allocation_snapshot(case, worker.practitioner_id))

    assert not await _sees(client, as_(worker), case.case_id)
    await announce(client, case)
    assert await _sees(client, as_(worker), case.case_id)


async def test_a_case_moved_to_another_team_changes_hands_with_its_newest_version(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    team, new_team = uuid.uuid4(), uuid.uuid4()
    manager = make_principal(roles=("practitioner", "team_manager"), manages=(team,))
    new_manager = make_principal(roles=("practitioner", "team_manager"), manages=(new_team,))
    case = case_snapshot(team)
    moved = case.model_copy(update={"owning_team_id": new_team, "version": 2})
    await announce(client, moved, case)  # the older snapshot arrives last and changes nothing

    assert not await _sees(client, as_(manager), case.case_id)
    assert await _sees(client, as_(new_manager), case.case_id)
