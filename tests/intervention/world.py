"""A team's case as the intervention unit learns it (signed snapshots to its inbox), the people
around it, and a programme loaded by an administrator."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from intervention_api.models import kernel
from services.event_contracts import CaseSnapshot
from services.principal import Principal
from tests.intervention.catalogue import load, programme
from tests.intervention.conftest import Headers, MakePrincipal
from tests.projection.factories import allocation_snapshot, announce, case_snapshot

SPECIALIST = "substance_misuse_worker"


@dataclass
class CaseWorld:
    """An open case of a team with its allocated workers, its manager and outsiders."""

    team: UUID
    case: CaseSnapshot
    social_worker: Principal
    specialist: Principal
    specialist_colleague: Principal
    manager: Principal
    auditor: Principal
    colleague: Principal  # same team, not allocated
    outsider: Principal  # another team
    admin: Principal
    programme: dict[str, Any]

    @property
    def case_id(self) -> UUID:
        return self.case.case_id


async def case_world(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> CaseWorld:
    """Announce a fresh case and its allocations, and load a fresh programme (three modules)."""
    team = uuid.uuid4()
    social_worker = make_principal(teams=(team,))
    specialist = make_principal(discipline=SPECIALIST, teams=(team,))
    specialist_colleague = make_principal(discipline=SPECIALIST, teams=(team,))
    case = case_snapshot(team)
    await announce(
        client,
        case,
        allocation_snapshot(case, social_worker.practitioner_id, is_allocated_social_worker=True),
        allocation_snapshot(case, specialist.practitioner_id, discipline=SPECIALIST),
        allocation_snapshot(case, specialist_colleague.practitioner_id, discipline=SPECIALIST),
    )
    admin = make_principal(discipline="business_support", roles=("administrator",))
    loaded = await load(client, as_(admin), programme())
    assert loaded.status_code == 201, loaded.text
    return CaseWorld(
        team=team,
        case=case,
        social_worker=social_worker,
        specialist=specialist,
        specialist_colleague=specialist_colleague,
        manager=make_principal(roles=("practitioner", "team_manager"), manages=(team,)),
        auditor=make_principal(discipline="business_support", roles=("auditor",), teams=(team,)),
        colleague=make_principal(teams=(team,)),
        outsider=make_principal(teams=(uuid.uuid4(),)),
        admin=admin,
        programme=loaded.json(),
    )


def enrolment_body(world: CaseWorld, **changes: Any) -> dict[str, Any]:
    """The family's enrolment on the world's programme: every module, in order, the social
    worker leading, the specialist on module 2, module 1 due within 10 working days.

    The family: a parent's enrolment names a member of the family in the workbook, which this
    world (the case as the unit learns it, without the workbook's record) does not have; the
    parent's are in test_enrolled_parents.py."""
    body: dict[str, Any] = {
        "programme_id": world.programme["id"],
        "participant": "family",
        "lead_worker_id": str(world.social_worker.practitioner_id),
        "plan": [
            {"module_code": "module_1", "due_within_working_days": 10},
            {"module_code": "module_2", "worker_id": str(world.specialist.practitioner_id)},
            {"module_code": "module_3"},
        ],
    }
    body.update(changes)
    return body


async def enrol(
    client: httpx.AsyncClient, as_: Headers, world: CaseWorld, **changes: Any
) -> dict[str, Any]:
    """Enrol as the social worker; the request must succeed."""
    response = await client.post(
        f"/cases/{world.case_id}/enrolments",
        json=enrolment_body(world, **changes),
        headers=as_(world.social_worker),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def outbox(engine: AsyncEngine, case_id: UUID) -> list[tuple[str, dict[str, Any]]]:
    """The (type, data) of every event this unit published about the case, in order."""
    table = kernel.outbox_event
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(table.c.type, table.c.data)
            .where(table.c.subject.like(f"cases/{case_id}/%"))
            .order_by(table.c.position)
        )
        return [(row.type, row.data) for row in rows]
