"""A parent's enrolment names an adult member of the case's family, as the workbook tells the
person enrolling them (asked as them, audited as theirs)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.intervention.catalogue import load, programme
from tests.intervention.conftest import AssessmentWorld
from tests.intervention.helpers import ok, problem
from tests.workbook.factories import create_family, member_id, principal


async def _programme(world: AssessmentWorld) -> str:
    admin = principal(discipline="business_support", roles=("administrator",))
    loaded = await load(world.intervention, world.as_(admin), programme())
    assert loaded.status_code == 201, loaded.text
    return str(loaded.json()["id"])


def _parent(world: AssessmentWorld, programme_id: str, person_id: str) -> dict[str, Any]:
    return {
        "programme_id": programme_id,
        "lead_worker_id": str(world.case.social_worker.practitioner_id),
        "participant": "parent",
        "person_id": person_id,
        "plan": [{"module_code": "module_1"}],
    }


async def test_a_parent_of_the_family_is_enrolled_and_anyone_else_is_named_as_the_fault(
    world: AssessmentWorld, db_engine: AsyncEngine
) -> None:
    programme_id = await _programme(world)
    url = f"/cases/{world.case_id}/enrolments"
    worker = world.case.social_worker
    # Another family of the same team: its members are real, and visible to the manager.
    elsewhere = await create_family(
        world.workbook, world.as_wb(world.case.manager), team_id=world.case.team_id
    )
    strangers = {
        "unknown": str(uuid.uuid4()),
        "another family's parent": next(
            str(m["id"]) for m in elsewhere["members"] if m["role"] == "parent"
        ),
    }
    for what, person_id in strangers.items():
        refused = await world.intervention.post(
            url, json=_parent(world, programme_id, person_id), headers=world.as_(world.case.manager)
        )
        [error] = problem(refused, 422, "validation")["errors"]
        assert (error["location"], error["code"]) == (["body", "person_id"], "unknown_person"), what
    child = await world.intervention.post(
        url,
        json=_parent(world, programme_id, member_id(world.case, "child")),
        headers=world.as_(worker),
    )
    [error] = problem(child, 422, "validation")["errors"]
    assert (error["location"], error["code"]) == (["body", "person_id"], "not_an_adult")

    parent = member_id(world.case, "parent")
    made = ok(
        await world.intervention.post(
            url, json=_parent(world, programme_id, parent), headers=world.as_(worker)
        ),
        201,
    )

    assert (made["participant"], made["person_id"]) == ("parent", parent)
    # The workbook read the member as the worker enrolling them, and audited it as theirs.
    async with db_engine.connect() as connection:
        readers = (
            await connection.execute(
                text(
                    "SELECT actor_practitioner_id FROM workbook.audit_log WHERE action = 'read'"
                    " AND resource_type = 'person' AND resource_id = :person"
                ),
                {"person": parent},
            )
        ).scalars()
        assert {str(r) for r in readers} == {str(worker.practitioner_id)}
