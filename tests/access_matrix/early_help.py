"""The pathway's records for the matrix: early help cases with case A's arrangement.

The pathway runs on early help cases (a workbook case of that kind) and learns them from the
workbook's snapshots. The matrix's stack serves the API only (no relays), so these helpers
announce each early help case and its allocations to the pathway's inbox themselves, as the
workbook's relay would: the snapshots are read back from the workbook's API. Then they drive
the case through the lifecycle, as its social worker (the lead), to the stage a write needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.event_contracts import (
    WORKBOOK_ALLOCATION_EVENTS,
    WORKBOOK_CASE_EVENTS,
    AllocationSnapshot,
    CaseSnapshot,
)
from services.registry import PATHWAY, WORKBOOK
from services.working_days import local_date
from tests.access_matrix import personas as p
from tests.access_matrix.stack import Stack
from tests.support.events import cloud_event, deliver

# How far along the lifecycle each stage of a scratch case is driven.
STAGE_ORDER = ("identified", "consent", "assessment", "plan", "do")
AREA = "education"


@dataclass(frozen=True)
class EarlyHelpCase:
    """An early help case the pathway knows, and the records a write may need on it."""

    case_id: str
    # A member of the case's family in the workbook (a consent names one).
    person_id: str
    target_id: str | None = None


def today() -> str:
    return local_date(datetime.now(UTC)).isoformat()


def in_a_month() -> str:
    return (local_date(datetime.now(UTC)) + timedelta(days=30)).isoformat()


async def pathway_post(stack: Stack, persona: str, path: str, body: dict[str, Any]) -> Any:
    response = await stack.call(persona, PATHWAY, "POST", path, json=body)
    assert response.status_code in (200, 201), f"{path}: {response.text}"
    return response.json()


async def announce_case(stack: Stack, case_id: str) -> None:
    """Tell the pathway the case and its current allocations, as the workbook's relay does."""
    response = await stack.call(p.TEAM_MANAGER, WORKBOOK, "GET", f"/cases/{case_id}")
    assert response.status_code == 200, response.text
    case = response.json()
    snapshot = CaseSnapshot(
        case_id=case["id"],
        family_id=case["family_id"],
        owning_team_id=case["owning_team_id"],
        status=case["status"],
        kind=case["kind"],
        opened_at=case["opened_at"],
        closed_at=case["closed_at"],
        episode_number=case["current_episode"]["number"],
        version=case["version"],
    )
    events = [
        cloud_event(
            f"{WORKBOOK_CASE_EVENTS}opened", snapshot.model_dump(mode="json"), source="/workbook"
        )
    ]
    for allocation in case["current_allocations"]:
        data = AllocationSnapshot(
            allocation_id=allocation["id"],
            case_id=allocation["case_id"],
            practitioner_id=allocation["practitioner_id"],
            discipline=allocation["discipline"],
            is_allocated_social_worker=allocation["is_allocated_social_worker"],
            starts_at=allocation["starts_at"],
            ends_at=allocation["ends_at"],
            version=allocation["version"],
        ).model_dump(mode="json")
        events.append(
            cloud_event(
                f"{WORKBOOK_ALLOCATION_EVENTS}changed",
                {**data, "change": "allocated"},
                source="/workbook",
            )
        )
    for event in events:
        delivered = await deliver(stack.clients[PATHWAY.name], event)
        assert delivered.status_code == 204, delivered.text


def consent(person_id: str, scopes: list[str] | None = None) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "member_name": "Scratch Parent",
        "form": "written",
        "scopes": scopes or ["assessment", "plan", "information_sharing"],
        "given_on": today(),
    }


async def drive(stack: Stack, case_id: str, person_id: str, stage: str) -> EarlyHelpCase:
    """Take an early help case from identification to `stage`, as its lead (`person_id`, a
    member of its family, consents)."""
    lead, base = p.SOCIAL_WORKER, f"/cases/{case_id}"
    reached = STAGE_ORDER.index(stage)
    target_id = None

    async def move(to: str) -> None:
        await pathway_post(
            stack, lead, f"{base}/involvement/transitions", {"to": to, "reason": f"Moving to {to}"}
        )

    if reached >= 1:
        await move("consent")
        await pathway_post(stack, lead, f"{base}/consents", consent(person_id))
    if reached >= 2:
        await move("assessment")
        body = {
            "assessment_type": "my_plan_plus",
            "areas": [AREA],
            "members_assessed": 2,
            "dependent_children": True,
            "summary": "Scratch assessment",
        }
        await pathway_post(stack, lead, f"{base}/assessments", body)
    if reached >= 3:
        await move("plan")
    if reached >= 4:
        target = {
            "area": AREA,
            "outcome": "Attendance above 90%",
            "measure": "Attendance figures",
            "owner": "Scratch Parent",
            "due_on": in_a_month(),
        }
        target_id = (await pathway_post(stack, lead, f"{base}/plan/targets", target))["id"]
        await move("do")
    return EarlyHelpCase(case_id, person_id, target_id)


async def add_contact(stack: Stack, case_id: str) -> str:
    """A TAF contact without an account (the case's family consented to sharing)."""
    body = {"name": "Scratch Senco", "agency": "Scratch Primary", "role": "SENCO"}
    made = await pathway_post(stack, p.SOCIAL_WORKER, f"/cases/{case_id}/team/contacts", body)
    return str(made["id"])


async def give_consent(stack: Stack, case_id: str, person_id: str) -> str:
    path = f"/cases/{case_id}/consents"
    made = await pathway_post(stack, p.SOCIAL_WORKER, path, consent(person_id))
    return str(made["id"])


async def request_step_up(stack: Stack, case_id: str, team_id: str, *, meeting: bool) -> str:
    """A step up from the case to a team (team A: its manager accepts), met about if asked."""
    body = {
        "direction": "step_up",
        "receiving_team_id": team_id,
        "reason": "Scratch step up",
        "current_picture": "Scratch picture",
    }
    made = await pathway_post(stack, p.SOCIAL_WORKER, f"/cases/{case_id}/transfers", body)
    if meeting:
        notes = {"held_on": today(), "notes": "Scratch transfer meeting"}
        await pathway_post(stack, p.SOCIAL_WORKER, f"/transfers/{made['id']}/meeting", notes)
    return str(made["id"])
