"""Search's set form of the access rules agrees with the rules every other query uses.

Search takes a caller's cases by team (`whole_team_ids`) and one by one (`case_standings`,
with the restricted-detail right per case) instead of `visible_case_ids` and the per-row
`restricted_detail_visible`, so that PostgreSQL can plan it at a council's scale. Two forms
of one rule can drift apart; these tests hold them together for every kind of standing.
"""

from __future__ import annotations

import uuid
from uuid import UUID

import httpx
from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from services.principal import Principal
from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    allocation_body,
    case_world,
    if_match,
    manager_of,
    practitioner_in,
    principal,
    system_principal,
)
from workbook_api.access.visibility import (
    case_standings,
    restricted_detail_visible,
    visible_case_ids,
    whole_team_ids,
)
from workbook_api.cases.models import Case

DISCIPLINES = ("social_worker", "recovery_worker", "da_victim_worker")


async def set_form(
    session: AsyncSession, who: Principal, cases: set[UUID]
) -> dict[UUID, tuple[bool, bool] | None]:
    """Each case's standing as search sees it: None by team, (all, discipline) one by one."""
    found: dict[UUID, tuple[bool, bool] | None] = {}
    teams = whole_team_ids(who)
    if teams:
        by_team = select(Case.id).where(Case.owning_team_id.in_(teams), Case.id.in_(cases))
        found.update((case_id, None) for case_id in await session.scalars(by_team))
    standings = case_standings(who).subquery()
    for row in await session.execute(select(standings).where(standings.c.case_id.in_(cases))):
        assert row.case_id not in found, "a case seen both by team and one by one"
        found[row.case_id] = (row.all_detail, row.discipline_detail)
    return found


async def reads_detail(
    session: AsyncSession, who: Principal, case_id: UUID, author: UUID, discipline: str
) -> bool:
    predicate = restricted_detail_visible(
        who,
        case_id_col=literal(case_id),
        author_id_col=literal(author),
        discipline_col=literal(discipline),
    )
    return bool(await session.scalar(select(predicate)))


async def assert_same_rule(engine: AsyncEngine, people: list[Principal], cases: set[UUID]) -> None:
    async with AsyncSession(engine) as session:
        for who in people:
            if who.has_role("system"):
                continue  # search takes every case for the system of record
            visible = set(await session.scalars(visible_case_ids(who))) & cases
            standing = await set_form(session, who, cases)
            assert set(standing) == visible, who.display_name
            someone_else = uuid.uuid4()
            for case_id, rights in standing.items():
                for discipline in DISCIPLINES:
                    expected = await reads_detail(session, who, case_id, someone_else, discipline)
                    if rights is None:
                        continue  # by team: the per-row rule itself is used (search/repository)
                    all_detail, in_discipline = rights
                    got = all_detail or (in_discipline and discipline == who.discipline)
                    assert got == expected, (who.display_name, discipline)
                # Authors read their own restricted entries wherever they see the case.
                assert await reads_detail(session, who, case_id, who.practitioner_id, "x")


async def test_every_standing_agrees_with_the_case_and_detail_rules(
    client: httpx.AsyncClient, as_: Headers, db_engine: AsyncEngine
) -> None:
    world, elsewhere = await case_world(client, as_), await case_world(client, as_)
    second_recovery = practitioner_in(world.team_id, "recovery_worker")
    allocated = await client.post(
        f"/cases/{world.case_id}/allocations",
        json=await allocation_body(client, second_recovery),
        headers=as_(world.manager),
    )
    assert allocated.status_code == 201, allocated.text
    # The home team's manager, allocated as a worker on another team's case too.
    also_there = await client.post(
        f"/cases/{elsewhere.case_id}/allocations",
        json=await allocation_body(client, world.social_worker),
        headers=as_(elsewhere.manager),
    )
    assert also_there.status_code == 201, also_there.text
    glass = practitioner_in(uuid.uuid4(), "recovery_worker")
    granted = await client.post(
        f"/cases/{elsewhere.case_id}/break-glass",
        json={
            "justification": "Police called out of hours about the children",
            "duration_minutes": 60,
        },
        headers=as_(glass),
    )
    assert granted.status_code == 201, granted.text
    auditor = principal(
        discipline="auditor", roles=("practitioner", "auditor"), teams=(world.team_id,)
    )
    # Seen by team and one by one at once: the manager's grant on their own team's case.
    own = await client.post(
        f"/cases/{world.case_id}/break-glass",
        json={
            "justification": "Checking the record before a court hearing",
            "duration_minutes": 60,
        },
        headers=as_(world.manager),
    )
    assert own.status_code == 201, own.text
    # Closing the other case ends its allocations: its workers keep sight of it, not detail.
    case_url = f"/cases/{elsewhere.case_id}"
    etag = (await client.get(case_url, headers=as_(elsewhere.manager))).headers["etag"]
    closed = await client.post(
        f"{case_url}/close",
        json={"reason": "Plan completed"},
        headers=if_match(as_(elsewhere.manager), etag),
    )
    assert closed.status_code == 200, closed.text
    people = [
        world.manager,
        world.social_worker,
        second_recovery,
        *world.specialists.values(),
        *elsewhere.specialists.values(),
        elsewhere.social_worker,
        elsewhere.manager,
        glass,
        auditor,
        world.outsider,
        manager_of(uuid.uuid4()),
        system_principal(),
    ]
    cases = {UUID(world.case_id), UUID(elsewhere.case_id)}
    await assert_same_rule(db_engine, people, cases)
