"""An early help family as the pathway learns it: a team, its people, a case and allocations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.event_contracts import (
    EARLY_HELP,
    WORKBOOK_ALLOCATION_EVENTS,
    WORKBOOK_CASE_EVENTS,
    CaseSnapshot,
    MembershipSnapshot,
    PractitionerSnapshot,
)
from services.outbox import event_from_row
from services.principal import Principal
from tests.pathway.conftest import Record
from tests.projection.factories import announce
from tests.support.events import deliver
from tests.workbook.factories import allocate, create_family, manager_of, principal

TO_PATHWAY = (WORKBOOK_CASE_EVENTS, WORKBOOK_ALLOCATION_EVENTS)

Headers = Any


@dataclass
class Family:
    """An early help case of a team, its lead, a TAF member, and people outside it."""

    team_id: UUID
    case: CaseSnapshot
    manager: Principal
    lead: Principal
    taf_member: Principal
    unallocated: Principal
    other_team: Principal
    auditor: Principal
    # Members of the family in the workbook.
    parent_id: UUID = field(default_factory=uuid.uuid4)
    child_id: UUID = field(default_factory=uuid.uuid4)

    @property
    def case_id(self) -> str:
        return str(self.case.case_id)

    def path(self, tail: str = "") -> str:
        return f"/cases/{self.case.case_id}{tail}"


def snapshot_of(who: Principal, team_id: UUID) -> PractitionerSnapshot:
    """The directory's snapshot of a practitioner, so the pathway can name them."""
    return PractitionerSnapshot(
        practitioner_id=who.practitioner_id,
        display_name=who.display_name,
        discipline=who.discipline,
        roles=sorted(who.roles),
        active=True,
        memberships=[MembershipSnapshot(team_id=team_id, role_in_team="member")],
        version=1,
    )


class Relay:
    """Delivers what one unit committed to its outbox, once, to the other's inbox, as the
    relay would (no relays run under test)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sent: set[uuid.UUID] = set()

    async def __call__(
        self, schema: str, types: tuple[str, ...], to: httpx.AsyncClient, subject: str
    ) -> int:
        async with self.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        f"SELECT * FROM {schema}.outbox_event"  # noqa: S608 (a test's own name)
                        " WHERE subject LIKE :subject ORDER BY time, id"
                    ),
                    {"subject": subject},
                )
            ).all()
        delivered = 0
        for row in rows:
            if row.id in self.sent or not row.type.startswith(types):
                continue
            response = await deliver(to, event_from_row(row))
            assert response.status_code == 204, response.text
            self.sent.add(row.id)
            delivered += 1
        return delivered


def case_snapshot_of(case: dict[str, Any]) -> CaseSnapshot:
    """The workbook's case as its snapshot names it (for the tests' references to it)."""
    return CaseSnapshot.model_validate(
        {
            "case_id": case["id"],
            "family_id": case["family_id"],
            "owning_team_id": case["owning_team_id"],
            "status": case["status"],
            "kind": case["kind"],
            "opened_at": case["opened_at"],
            "episode_number": 1,
            "version": case["version"],
        }
    )


def _member(family: dict[str, Any], role: str) -> UUID:
    return UUID(str(next(m["id"] for m in family["members"] if m["role"] == role)))


async def early_help_family(
    client: httpx.AsyncClient, record: Record, *, kind: str = EARLY_HELP, lead: bool = True
) -> Family:
    """A family on the workbook with an open early help case, its lead practitioner and one
    TAF member allocated, learnt by the pathway from the workbook's own events."""
    team_id = uuid.uuid4()
    manager = manager_of(team_id)
    # A Family Safeguarding case's allocated worker is a social worker.
    discipline = "family_support_worker" if kind == EARLY_HELP else "social_worker"
    lead_worker = principal(discipline=discipline, teams=(team_id,), name="Lee Lead")
    taf_member = principal(discipline="school_nurse", teams=(team_id,))
    wb = record.as_wb(manager)
    registered = await create_family(record.workbook, wb, team_id=team_id)
    body = {
        "family_id": registered["id"],
        "owning_team_id": str(team_id),
        "reason": "Needs identified by the school",
        "kind": kind,
    }
    case = await post_ok(record.workbook, "/cases", body, wb)
    await allocate(record.workbook, wb, case["id"], lead_worker, social_worker=lead)
    await allocate(record.workbook, wb, case["id"], taf_member)
    await Relay(record.engine)("workbook", TO_PATHWAY, client, f"cases/{case['id']}%")
    await announce(client, snapshot_of(lead_worker, team_id))
    return Family(
        team_id=team_id,
        case=case_snapshot_of(case),
        manager=manager,
        lead=lead_worker,
        taf_member=taf_member,
        unallocated=principal(discipline="family_support_worker", teams=(team_id,)),
        other_team=principal(discipline="family_support_worker", teams=(uuid.uuid4(),)),
        auditor=principal(discipline="auditor", roles=("auditor",), teams=(team_id,)),
        parent_id=_member(registered, "parent"),
        child_id=_member(registered, "child"),
    )


async def post_ok(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def consent_body(family: Family, *scopes: str) -> dict[str, Any]:
    return {
        "person_id": str(family.parent_id),
        "member_name": "Pat Parent",
        "form": "written",
        "scopes": list(scopes) or ["assessment", "plan", "information_sharing"],
        "given_on": date.today().isoformat(),
    }


def assessment_body(*areas: str, dependent_children: bool = True) -> dict[str, Any]:
    return {
        "assessment_type": "my_plan_plus",
        "areas": list(areas),
        "members_assessed": 3,
        "dependent_children": dependent_children,
        "summary": "Whole-family assessment with both parents and the child.",
    }


def target_body(area: str) -> dict[str, Any]:
    return {
        "area": area,
        "outcome": "Attendance rises above 90%",
        "measure": "School attendance figures each half term",
        "owner": "Pat Parent with the school",
        "due_on": (date.today() + timedelta(days=60)).isoformat(),
    }


async def move(client: httpx.AsyncClient, family: Family, as_: Headers, to: str) -> dict[str, Any]:
    return await post_ok(
        client,
        family.path("/involvement/transitions"),
        {"to": to, "reason": f"Moving to {to}"},
        as_(family.lead),
    )


async def to_plan(client: httpx.AsyncClient, family: Family, as_: Headers, *areas: str) -> None:
    """Consent, an assessment finding needs in `areas`, and the plan stage."""
    lead = as_(family.lead)
    await move(client, family, as_, "consent")
    await post_ok(client, family.path("/consents"), consent_body(family), lead)
    await move(client, family, as_, "assessment")
    await post_ok(client, family.path("/assessments"), assessment_body(*areas), lead)
    await move(client, family, as_, "plan")


async def to_do(client: httpx.AsyncClient, family: Family, as_: Headers, *areas: str) -> list[str]:
    """As `to_plan`, then a target for each area and the plan under way; the target ids."""
    await to_plan(client, family, as_, *areas)
    ids = [
        (await post_ok(client, family.path("/plan/targets"), target_body(a), as_(family.lead)))[
            "id"
        ]
        for a in areas
    ]
    await move(client, family, as_, "do")
    return ids


async def chronology_titles(engine: AsyncEngine, case_id: str) -> list[str]:
    """The titles of the pathway's chronology contributions for a case, in order."""
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT data->>'title' FROM pathway.outbox_event"
                " WHERE type = 'uk.gov.fsm.pathway.chronology.recorded' AND subject = :subject"
                " ORDER BY time, id"
            ),
            {"subject": f"cases/{case_id}"},
        )
        return [row[0] for row in rows]
