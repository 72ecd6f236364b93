"""Proposals as a team's managers see them: no transaction open while the solver works, an
Idempotency-Key that still holds across the two transactions, the chair they name, and the
team's list of proposals."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.event_contracts import MembershipSnapshot, PractitionerSnapshot
from services.principal import Principal
from supervision_api.schedule import proposals
from supervision_api.scheduling import Problem, Schedule
from supervision_api.scheduling import propose as real_solve
from tests.projection.factories import announce
from tests.supervision.conftest import Headers, MakePrincipal, Team
from tests.supervision.test_schedule import accept, add_slots, due_case, propose, schedule_url

# A session holding a transaction open on supervision's tables while it does nothing else: the
# request waiting on the solver with its transaction open (the agenda's test asks the same).
OPEN_SUPERVISION_TRANSACTIONS = """
    SELECT count(*) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND state = 'idle in transaction' AND query ILIKE '%supervision.%'
"""


def proposals_url(team: Team) -> str:
    return f"{schedule_url(team)}/proposals"


async def manager_of(
    client: httpx.AsyncClient, team: Team, who: Principal, role: str, version: int = 1
) -> None:
    """The directory announces `who` in the team with a role in it."""
    await announce(
        client,
        PractitionerSnapshot(
            practitioner_id=who.practitioner_id,
            display_name="Deputy Manager (synthetic)",
            discipline=who.discipline,
            roles=sorted(who.roles),
            active=True,
            memberships=[MembershipSnapshot(team_id=team.id, role_in_team=role)],
            version=version,
        ),
    )


async def stored_proposals(engine: AsyncEngine, team: Team) -> int:
    async with engine.connect() as connection:
        found = await connection.scalar(
            text("SELECT count(*) FROM supervision.schedule_proposal WHERE team_id = :team"),
            {"team": team.id},
        )
    return int(found or 0)


async def test_no_supervision_transaction_is_open_while_the_solver_works(
    client: httpx.AsyncClient,
    as_: Headers,
    team: Team,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await add_slots(client, as_, team)
    case = await due_case(client, team, team.colleague)
    seen: list[int] = []

    async def open_transactions() -> int:
        connection = await asyncpg.connect(database_url)
        try:
            return int(await connection.fetchval(OPEN_SUPERVISION_TRANSACTIONS))
        finally:
            await connection.close()

    def watched(problem: Problem) -> Schedule:
        # In the solver's thread, while the request waits for it.
        seen.append(asyncio.run(open_transactions()))
        return real_solve(problem)

    monkeypatch.setattr(proposals, "solve", watched)

    proposal = await propose(client, as_, team)

    assert seen == [0]
    assert proposal["meetings"][0]["case_ids"] == [str(case)]
    # Stored, and audited with it, in the transaction after the solver.
    again = await client.get(f"{proposals_url(team)}/{proposal['id']}", headers=as_(team.manager))
    assert again.json() == proposal


async def test_an_idempotency_key_replays_a_proposal_across_its_two_transactions(
    client: httpx.AsyncClient, as_: Headers, team: Team, db_engine: AsyncEngine
) -> None:
    await add_slots(client, as_, team)
    await due_case(client, team, team.colleague)
    headers = {**as_(team.manager), "Idempotency-Key": str(uuid.uuid4())}
    body = {"horizon_weeks": 4}

    first = await client.post(proposals_url(team), json=body, headers=headers)
    second = await client.post(proposals_url(team), json=body, headers=headers)

    assert first.status_code == second.status_code == 201, first.text
    assert second.headers.get("idempotent-replayed") == "true"
    assert second.json() == first.json()
    assert await stored_proposals(db_engine, team) == 1
    reused = await client.post(proposals_url(team), json={"horizon_weeks": 2}, headers=headers)
    assert reused.status_code == 422


async def test_a_retry_while_the_first_solves_stores_one_proposal_and_answers_it_twice(
    client: httpx.AsyncClient,
    as_: Headers,
    team: Team,
    db_engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both requests are in the solver at once (each has ended its first transaction): the one
    that stores first wins, and the other, claiming its key again, replays that answer."""
    await add_slots(client, as_, team)
    await due_case(client, team, team.colleague)
    solving = threading.Event()
    both_solving = threading.Barrier(2, timeout=30)

    def together(problem: Problem) -> Schedule:
        solving.set()
        both_solving.wait()
        return real_solve(problem)

    monkeypatch.setattr(proposals, "solve", together)
    headers = {**as_(team.manager), "Idempotency-Key": str(uuid.uuid4())}
    first_sent = asyncio.create_task(client.post(proposals_url(team), json={}, headers=headers))
    # The retry comes once the first has ended its reads (before that it would be a 409).
    assert await asyncio.to_thread(solving.wait, 30)
    second = await client.post(proposals_url(team), json={}, headers=headers)
    first = await first_sent

    assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
    assert first.json()["id"] == second.json()["id"]
    replayed = {r.headers.get("idempotent-replayed") for r in (first, second)}
    assert replayed == {"true", None}
    assert await stored_proposals(db_engine, team) == 1


async def test_the_proposer_chairs_unless_they_name_another_manager_of_the_team(
    client: httpx.AsyncClient, as_: Headers, team: Team, make_principal: MakePrincipal
) -> None:
    deputy = make_principal(
        discipline="team_manager", roles=("practitioner", "team_manager"), manages=(team.id,)
    )
    await manager_of(client, team, deputy, "manager")
    await manager_of(client, team, team.social_worker, "member")
    await add_slots(client, as_, team)
    await due_case(client, team, team.colleague)
    manager = team.manager.practitioner_id

    mine = await propose(client, as_, team)
    assert mine["chair_id"] == str(manager)

    url = proposals_url(team)
    named = await client.post(
        url, json={"chair_id": str(deputy.practitioner_id)}, headers=as_(team.manager)
    )
    assert named.status_code == 201, named.text
    proposal = named.json()
    assert proposal["chair_id"] == str(deputy.practitioner_id)
    assert proposal["created_by"] == str(manager)
    [meeting] = proposal["meetings"]
    attendees = {a["practitioner_id"] for a in meeting["attendees"]}
    assert attendees == {str(deputy.practitioner_id), str(team.colleague.practitioner_id)}

    accepted = await accept(client, as_, team, proposal)
    assert accepted.status_code == 200, accepted.text
    booked = await client.get(
        f"/meetings/{accepted.json()['meetings'][0]['meeting_id']}", headers=as_(team.manager)
    )
    assert booked.json()["chair_id"] == str(deputy.practitioner_id)
    invited = {i["practitioner_id"]: i["invited_as"] for i in booked.json()["invitees"]}
    assert invited[str(deputy.practitioner_id)] == "chair"
    assert str(manager) not in invited

    other_team = next(iter(team.outsider_manager.managed_team_ids))
    await announce(
        client,
        PractitionerSnapshot(
            practitioner_id=team.outsider_manager.practitioner_id,
            display_name="Elsewhere Manager (synthetic)",
            discipline="team_manager",
            roles=["practitioner", "team_manager"],
            active=True,
            memberships=[MembershipSnapshot(team_id=other_team, role_in_team="manager")],
            version=1,
        ),
    )
    for not_a_manager in (team.social_worker, team.outsider_manager):
        refused = await client.post(
            url, json={"chair_id": str(not_a_manager.practitioner_id)}, headers=as_(team.manager)
        )
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        [error] = refused.json()["errors"]
        assert error["code"] == "not_a_manager"
    unknown = await client.post(
        url, json={"chair_id": str(uuid.uuid4())}, headers=as_(team.manager)
    )
    assert unknown.status_code == 422


async def test_a_named_chair_who_no_longer_manages_the_team_makes_the_proposal_stale(
    client: httpx.AsyncClient, as_: Headers, team: Team, make_principal: MakePrincipal
) -> None:
    deputy = make_principal(
        discipline="team_manager", roles=("practitioner", "team_manager"), manages=(team.id,)
    )
    await manager_of(client, team, deputy, "manager")
    await add_slots(client, as_, team)
    await due_case(client, team, team.colleague)
    named = await client.post(
        proposals_url(team),
        json={"chair_id": str(deputy.practitioner_id)},
        headers=as_(team.manager),
    )
    assert named.status_code == 201, named.text
    await manager_of(client, team, deputy, "member", version=2)

    refused = await accept(client, as_, team, named.json())

    assert refused.status_code == 409, refused.text
    assert refused.json()["conflicts"] == ["The proposed chair no longer manages the team."]


async def test_a_teams_proposals_are_listed_newest_first_a_page_at_a_time(
    client: httpx.AsyncClient, as_: Headers, team: Team, db_engine: AsyncEngine
) -> None:
    await add_slots(client, as_, team)
    await due_case(client, team, team.colleague)
    made: list[dict[str, Any]] = [await propose(client, as_, team) for _ in range(3)]
    accepted = await accept(client, as_, team, made[1])
    assert accepted.status_code == 200
    url = proposals_url(team)

    first = await client.get(url, params={"limit": 2}, headers=as_(team.manager))
    assert first.status_code == 200, first.text
    page = first.json()
    assert [p["id"] for p in page["items"]] == [made[2]["id"], made[1]["id"]]
    assert [p["status"] for p in page["items"]] == ["proposed", "accepted"]
    assert page["items"][1]["accepted_by"] == str(team.manager.practitioner_id)
    assert page["items"][0]["counts"] == made[2]["counts"]
    assert "meetings" not in page["items"][0]
    rest = await client.get(
        url, params={"limit": 2, "cursor": page["next_cursor"]}, headers=as_(team.manager)
    )
    assert [p["id"] for p in rest.json()["items"]] == [made[0]["id"]]
    assert rest.json()["next_cursor"] is None

    only = await client.get(url, params={"status": "accepted"}, headers=as_(team.manager))
    assert [p["id"] for p in only.json()["items"]] == [made[1]["id"]]
    unknown_state = await client.get(url, params={"status": "stale"}, headers=as_(team.manager))
    assert unknown_state.status_code == 422
    bad = await client.get(url, params={"cursor": "not-ours"}, headers=as_(team.manager))
    assert bad.status_code == 400

    # Audited as a read of the team's proposals, with the caller's purpose.
    async with db_engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    "SELECT action, resource_type, purpose, details, outcome"
                    " FROM supervision.audit_log WHERE request_id = :rid"
                ),
                {"rid": first.headers["x-request-id"]},
            )
        ).one()
    assert (row.action, row.resource_type, row.outcome) == ("list", "schedule_proposal", "success")
    assert row.details["count"] == 2
