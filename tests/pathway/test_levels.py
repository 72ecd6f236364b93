"""Levels of need over time: who decided, when, on which indicators and why."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.pathway.conftest import Headers, Record
from tests.pathway.factories import chronology_titles, early_help_family, post_ok, problem


async def test_a_familys_and_a_childs_levels_are_kept_over_time(
    client: httpx.AsyncClient, record: Record, as_: Headers, db_engine: AsyncEngine
) -> None:
    family = await early_help_family(client, record)
    first = await post_ok(
        client,
        family.path("/levels"),
        {"level": "early_help", "indicators": ["attendance_concern"], "reason": "Attendance"},
        as_(family.lead),
    )
    assert first["level_label"].startswith("Level 2")
    assert first["decided_by"] == str(family.lead.practitioner_id)
    assert first["configuration_version"] >= 1
    await post_ok(
        client,
        family.path("/levels"),
        {
            "level": "targeted",
            "indicators": ["multiple_needs", "parental_mental_health"],
            "reason": "Mother's depression and attendance together",
            "person_id": str(family.child_id),
        },
        as_(family.manager),
    )
    history = (await client.get(family.path("/levels"), headers=as_(family.auditor))).json()
    assert [(d["level_code"], d["person_id"]) for d in history] == [
        ("early_help", None),
        ("targeted", str(family.child_id)),
    ]
    assert history[1]["indicators"] == ["multiple_needs", "parental_mental_health"]
    titles = await chronology_titles(db_engine, family.case_id)
    assert titles[-2:] == [
        "The family's level of need: Level 2: Early help (single agency, My Plan)",
        "A child's level of need: Level 3: Targeted early help (My Plan+, Team Around the Family)",
    ]


async def test_levels_and_indicators_must_be_the_configurations(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    lead = as_(family.lead)
    body = {"level": "level_9", "indicators": ["x_y"], "reason": "Made up"}
    assert problem(await client.post(family.path("/levels"), json=body, headers=lead), 422)[
        "errors"
    ][0]["code"] == ("unknown_level")
    body = {"level": "universal", "indicators": ["significant_harm"], "reason": "Wrong level"}
    problem(await client.post(family.path("/levels"), json=body, headers=lead), 422)


async def test_who_may_decide_and_read(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    body = {"level": "early_help", "indicators": ["emerging_need"], "reason": "A need"}
    problem(await client.post(family.path("/levels"), json=body), 401)
    problem(await client.post(family.path("/levels"), json=body, headers=as_(family.auditor)), 403)
    for outsider in (family.unallocated, family.other_team):
        problem(await client.get(family.path("/levels"), headers=as_(outsider)), 404)
        problem(await client.post(family.path("/levels"), json=body, headers=as_(outsider)), 404)
    await post_ok(client, family.path("/levels"), body, as_(family.taf_member))
