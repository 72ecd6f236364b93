"""Teams of early help families for the outcomes tests, recorded through the pathway's API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import text

from services.event_contracts import EARLY_HELP, FAMILY_SAFEGUARDING, CaseSnapshot
from services.principal import Principal
from tests.pathway.conftest import Headers, Record
from tests.pathway.factories import (
    TO_PATHWAY,
    Relay,
    assessment_body,
    case_snapshot_of,
    post_ok,
    snapshot_of,
    target_body,
)
from tests.projection.factories import allocation_snapshot, announce, case_snapshot, hours_ago
from tests.workbook.factories import allocate, create_family, manager_of, principal

COUNCIL = principal(discipline="business_support", roles=("supporting_families",))
ADMIN = principal(discipline="business_support", roles=("administrator",))


@dataclass
class Team:
    """A team, its manager and lead practitioner, and the cases announced for it."""

    id: UUID
    manager: Principal
    lead: Principal
    cases: list[CaseSnapshot]
    # Where families that give consent are recorded (consents name a real family member).
    record: Record | None = None

    @property
    def families(self) -> list[UUID]:
        return [case.family_id for case in self.cases]


async def new_team(client: httpx.AsyncClient, record: Record | None = None) -> Team:
    team_id = uuid.uuid4()
    lead = principal(discipline="family_support_worker", teams=(team_id,))
    await announce(client, snapshot_of(lead, team_id))
    return Team(team_id, manager_of(team_id), lead, [], record)


async def recorded_case(client: httpx.AsyncClient, team: Team) -> tuple[CaseSnapshot, UUID]:
    """An early help case of a family on the workbook, its lead allocated, learnt by the
    pathway from the workbook's events; the case and the family's parent."""
    assert team.record is not None, "a family that consents is recorded on the workbook"
    record = team.record
    wb = record.as_wb(team.manager)
    family = await create_family(record.workbook, wb, team_id=team.id)
    body = {
        "family_id": family["id"],
        "owning_team_id": str(team.id),
        "reason": "Needs identified by the school",
        "kind": EARLY_HELP,
    }
    opened = await post_ok(record.workbook, "/cases", body, wb)
    await allocate(record.workbook, wb, opened["id"], team.lead, social_worker=True)
    await Relay(record.engine)("workbook", TO_PATHWAY, client, f"cases/{opened['id']}%")
    # Opened three months ago, as the pathway knows it, so last month's returns count it.
    back = {"case_id": opened["id"]}
    async with record.engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE pathway.projected_case SET opened_at = opened_at - interval '90 days'"
                " WHERE id = :case_id"
            ),
            back,
        )
        await connection.execute(
            text(
                "UPDATE pathway.projected_allocation"
                " SET starts_at = starts_at - interval '90 days' WHERE case_id = :case_id"
            ),
            back,
        )
    case = case_snapshot_of(opened).model_copy(update={"opened_at": hours_ago(24 * 90)})
    team.cases.append(case)
    parent = next(m["id"] for m in family["members"] if m["role"] == "parent")
    return case, UUID(str(parent))


async def open_case(client: httpx.AsyncClient, team: Team, kind: str = EARLY_HELP) -> CaseSnapshot:
    """An open case of the team, opened three months ago, its lead allocated."""
    case = case_snapshot(team.id, kind=kind, opened_at=hours_ago(24 * 90))
    await announce(
        client,
        case,
        allocation_snapshot(
            case,
            team.lead.practitioner_id,
            discipline="family_support_worker",
            is_allocated_social_worker=True,
        ),
    )
    team.cases.append(case)
    return case


async def assessed_family(
    client: httpx.AsyncClient, team: Team, as_: Headers, *areas: str
) -> CaseSnapshot:
    """An early help family with consent and a whole-family assessment finding `areas`."""
    case, parent = await recorded_case(client, team)
    lead = as_(team.lead)
    base = f"/cases/{case.case_id}"

    async def move(to: str) -> None:
        await post_ok(client, f"{base}/involvement/transitions", {"to": to, "reason": "Next"}, lead)

    await move("consent")
    consent: dict[str, Any] = consent_body_for(parent)
    await post_ok(client, f"{base}/consents", consent, lead)
    await move("assessment")
    await post_ok(client, f"{base}/assessments", assessment_body(*areas), lead)
    return case


def consent_body_for(person_id: UUID) -> dict[str, Any]:
    return {
        "person_id": str(person_id),
        "member_name": "Pat Parent",
        "form": "written",
        "scopes": ["assessment", "plan", "information_sharing"],
        "given_on": date.today().isoformat(),
    }


async def family_safeguarding_families(client: httpx.AsyncClient, team: Team, count: int) -> None:
    for _ in range(count):
        await open_case(client, team, FAMILY_SAFEGUARDING)


def this_month() -> str:
    return date.today().strftime("%Y-%m")


def csv_of(rows: list[tuple[Any, Any]]) -> str:
    return "family_id,value\n" + "".join(f"{family},{value}\n" for family, value in rows)


def series(figures: dict[str, Any], measure: str, key: str) -> dict[str, Any]:
    """One series of one measure in a figures answer."""
    found = next(m for m in figures["measures"] if m["code"] == measure)
    result: dict[str, Any] = next(s for s in found["series"] if s["key"] == key)
    return result


def last_cell(figures: dict[str, Any], measure: str, key: str) -> dict[str, Any]:
    cell: dict[str, Any] = series(figures, measure, key)["cells"][-1]
    return cell


async def own_locality(client: httpx.AsyncClient, as_: Headers, *teams: Team) -> str:
    """Put `teams` in a locality of their own (published as a new settings version), so other
    tests' teams in the shared database never share a total with them; the locality's code."""
    settings = (await client.get("/outcomes/settings", headers=as_(ADMIN))).json()
    code = f"test_{uuid.uuid4().hex[:8]}"
    moving = {str(t.id) for t in teams}
    kept = [
        locality | {"team_ids": [t for t in locality["team_ids"] if t not in moving]}
        for locality in settings["localities"]
    ]
    body = {
        "minimum_cell_count": settings["minimum_cell_count"],
        "localities": [
            *(locality for locality in kept if locality["team_ids"]),
            {"code": code, "label": "Test locality", "team_ids": [str(t.id) for t in teams]},
        ],
        "note": "A locality for a test",
    }
    response = await client.post("/outcomes/settings", json=body, headers=as_(ADMIN))
    assert response.status_code == 201, response.text
    return code


async def reviewed_family(
    client: httpx.AsyncClient, team: Team, as_: Headers, *, achieved: bool, needs_met: bool
) -> CaseSnapshot:
    """An early help family with a health target, reviewed today (achieved or on track)."""
    case = await assessed_family(client, team, as_, "health")
    lead = as_(team.lead)
    base = f"/cases/{case.case_id}"
    transition = f"{base}/involvement/transitions"
    await post_ok(client, transition, {"to": "plan", "reason": "Assessed"}, lead)
    target = await post_ok(client, f"{base}/plan/targets", target_body("health"), lead)
    await post_ok(client, transition, {"to": "do", "reason": "Agreed"}, lead)
    review = {
        "held_on": date.today().isoformat(),
        "outcome": "needs_met" if needs_met else "continue",
        "progress": [
            {"target_id": target["id"], "progress": "achieved" if achieved else "on_track"}
        ],
        "summary": "Reviewed with the family",
    }
    await post_ok(client, f"{base}/reviews", review, lead)
    return case


async def partner_in_team(
    client: httpx.AsyncClient, team: Team, as_: Headers, case: CaseSnapshot
) -> None:
    contact = {"name": "Sam Senco", "agency": "Oak Primary", "role": "SENCO"}
    await post_ok(client, f"/cases/{case.case_id}/team/contacts", contact, as_(team.lead))


async def level(
    client: httpx.AsyncClient, team: Team, as_: Headers, case: CaseSnapshot, code: str
) -> None:
    indicators = {"specialist": ["child_in_need"], "targeted": ["multiple_needs"]}[code]
    body = {"level": code, "indicators": indicators, "reason": "Decided with the family"}
    await post_ok(client, f"/cases/{case.case_id}/levels", body, as_(team.lead))
