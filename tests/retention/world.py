"""A case with records in all four units, every free text carrying one marker, through the API.

An early help case: the workbook holds it, the pathway runs its plan-do-review, the programme
enrols a parent and the group supervision discusses it (neither refuses a case by its kind).
Every text written says the marker; names of people do not (people are not destroyed).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.registry import INTERVENTION, PATHWAY, SUPERVISION, WORKBOOK, Unit
from services.relay import OutboxRelay, RelaySettings, Subscriber
from services.subscriptions import SUBSCRIPTIONS
from tests.access_matrix import personas as p
from tests.access_matrix.assessments import _call as assessment_call
from tests.access_matrix.early_help import AREA, today
from tests.access_matrix.interventions import MODULES, load_programme
from tests.access_matrix.stack import Stack, relay_case_events
from tests.access_matrix.supervision import project
from tests.access_matrix.world import allocate, ok
from tests.support.events import TEST_INBOX_SECRET


@dataclass
class MarkedCase:
    """The case, the marker its every text carries, and ids of what was written."""

    marker: str
    case_id: str = ""
    family_id: str = ""
    parent_id: str = ""
    ids: dict[str, str] = field(default_factory=dict)

    def says(self, what: str) -> str:
        return f"{what} {self.marker}"


async def call(
    stack: Stack,
    persona: str,
    unit: Unit,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    status: int = 201,
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A request that must answer `status`; its body."""
    return ok(await stack.call(persona, unit, method, path, json=body, headers=headers), status)


async def etag(stack: Stack, persona: str, unit: Unit, path: str) -> str:
    response = await stack.call(persona, unit, "GET", path)
    assert response.status_code == 200, response.text
    return response.headers["etag"]


def team_a(stack: Stack) -> str:
    return str(next(iter(stack.principals[p.TEAM_MANAGER].managed_team_ids)))


async def open_marked_case(stack: Stack, marker: str | None = None) -> MarkedCase:
    """A family and its early help case with entries, allocated to team A's workers."""
    case = MarkedCase(marker or f"destroyme{uuid.uuid4().hex}")
    members = [
        {
            "role": "child",
            "given_name": "Robin",
            "family_name": "Ashdown",
            "date_of_birth": "2015-03-01",
        },
        {"role": "parent", "given_name": "Sam", "family_name": "Ashdown"},
    ]
    body = {"name": "Ashdown family", "owning_team_id": team_a(stack), "members": members}
    family = await call(stack, p.TEAM_MANAGER, WORKBOOK, "/families", body)
    case.family_id, case.parent_id = str(family["id"]), str(family["members"][1]["id"])
    body = {
        "family_id": case.family_id,
        "owning_team_id": team_a(stack),
        "kind": "early_help",
        "reason": case.says("Referral from school"),
    }
    case.case_id = str((await call(stack, p.TEAM_MANAGER, WORKBOOK, "/cases", body))["id"])
    for name in p.ALLOCATED_ON_CASE_A:
        await allocate(stack, p.TEAM_MANAGER, case.case_id, name, lead=name == p.SOCIAL_WORKER)
    base = f"/cases/{case.case_id}"
    visit = {
        "entry_type": "home_visit",
        "event_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "significant": True,
        "narrative": case.says("Visited the family"),
        "shareable_summary": case.says("A visit"),
        "finalise": True,
    }
    # Under an Idempotency-Key: the stored response repeats the narrative.
    key = {"Idempotency-Key": f"retention-{uuid.uuid4().hex}"}
    made = await call(stack, p.SOCIAL_WORKER, WORKBOOK, f"{base}/entries", visit, headers=key)
    mistaken = await call(stack, p.SOCIAL_WORKER, WORKBOOK, f"{base}/entries", visit)
    await call(
        stack,
        p.SOCIAL_WORKER,
        WORKBOOK,
        f"{base}/entries/{mistaken['id']}/withdraw",
        {"reason": case.says("Recorded on the wrong family")},
        status=200,
        headers={"If-Match": mistaken["etag"]},
    )
    case.ids["entry"] = str(made["id"])
    grant = {"justification": case.says("Out of hours call"), "duration_minutes": 60}
    await call(stack, p.BREAK_GLASS, WORKBOOK, f"{base}/break-glass", grant)
    await relay_case_events(stack)
    return case


async def record_pathway(stack: Stack, case: MarkedCase) -> None:
    """Plan-do-review on the case: every stage's words say the marker."""
    lead, base = p.SOCIAL_WORKER, f"/cases/{case.case_id}"

    async def post(path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
        return await call(stack, lead, PATHWAY, f"{base}{path}", body, status=status)

    async def move(to: str) -> None:
        await post("/involvement/transitions", {"to": to, "reason": case.says(f"To {to}")}, 200)

    await move("consent")
    consent = {
        "person_id": case.parent_id,
        "member_name": "Sam Ashdown",
        "form": "written",
        "scopes": ["assessment", "plan", "information_sharing"],
        "given_on": today(),
    }
    await post("/consents", consent)
    await move("assessment")
    assessment = {
        "assessment_type": "my_plan_plus",
        "areas": [AREA],
        "members_assessed": 2,
        "dependent_children": True,
        "summary": case.says("Assessed"),
    }
    await post("/assessments", assessment)
    await move("plan")
    target = {
        "area": AREA,
        "outcome": case.says("Attendance"),
        "measure": case.says("Registers"),
        "owner": "Sam Ashdown",
        "due_on": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
    }
    target_id = (await post("/plan/targets", target))["id"]
    await move("do")
    mapping = {
        "worries": case.says("Worry"),
        "working_well": case.says("Working well"),
        "needs_to_happen": case.says("Next"),
        "workers_judgement": 5,
    }
    case.ids["safety_mapping"] = str((await post("/safety-mappings", mapping))["id"])
    review = {
        "held_on": today(),
        "outcome": "continue",
        "progress": [
            {"target_id": target_id, "progress": "some_progress", "note": case.says("Better")}
        ],
        "summary": case.says("Reviewed"),
    }
    await post("/reviews", review)
    await post("/escalations", {"worry": case.says("Harm")})
    transfer = {
        "direction": "step_up",
        "receiving_team_id": team_a(stack),
        "reason": case.says("Stepping up"),
        "current_picture": case.says("Picture"),
    }
    made = await post("/transfers", transfer)
    notes = {"held_on": today(), "notes": case.says("Met")}
    await call(stack, lead, PATHWAY, f"/transfers/{made['id']}/meeting", notes, status=200)


async def record_programme(stack: Stack, case: MarkedCase) -> None:
    """An enrolment, a session with restricted detail, and a parenting assessment."""
    programme = await load_programme(stack)
    body = {
        "programme_id": programme,
        "participant": "parent",
        "person_id": case.parent_id,
        "plan": [{"module_code": m} for m in MODULES],
    }
    base = f"/cases/{case.case_id}/enrolments"
    enrolment = await call(stack, p.SOCIAL_WORKER, INTERVENTION, base, body)
    session = {
        "held_on": today(),
        "attendance": "attended",
        "engagement": 4,
        "modules": [MODULES[0]],
        "summary": case.says("Session went well"),
        "restricted_detail": case.says("Disclosed"),
    }
    path = f"{base}/{enrolment['id']}/sessions"
    case.ids["session"] = str((await call(stack, p.SPECIALIST, INTERVENTION, path, session))["id"])
    made = await assessment_call(
        stack,
        p.SOCIAL_WORKER,
        "POST",
        "/assessments",
        {"case_id": case.case_id, "title": case.says("Assessment")},
        None,
        201,
    )
    sections = {s["key"]: {"analysis": case.says("Analysis")} for s in made["sections"]}
    await assessment_call(
        stack,
        p.SOCIAL_WORKER,
        "PATCH",
        f"/assessments/{made['id']}",
        {"sections": sections},
        made["etag"],
    )


async def record_supervision(stack: Stack, case: MarkedCase) -> None:
    """A held group supervision with a decision and an action on the case, finalised."""
    await project(stack, case.case_id)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    body = {
        "team_id": team_a(stack),
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "place": "Room 1",
        "case_ids": [case.case_id],
    }
    meeting = (await call(stack, p.TEAM_MANAGER, SUPERVISION, "/meetings", body))["id"]
    record = f"/meetings/{meeting}/cases/{case.case_id}/record"
    minutes = {
        name: case.says(name)
        for name in ("lived_experience", "worried_about", "working_well", "needs_to_happen")
    }
    star = {"If-Match": "*"}
    await call(
        stack,
        p.TEAM_MANAGER,
        SUPERVISION,
        record,
        minutes,
        status=200,
        method="PATCH",
        headers=star,
    )
    update = {"update": case.says("My update")}
    await call(stack, p.SOCIAL_WORKER, SUPERVISION, f"{record}/updates", update, status=200)
    decision = {"decision": case.says("Decided"), "rationale": case.says("Because")}
    made = await call(
        stack, p.TEAM_MANAGER, SUPERVISION, f"{record}/decisions", decision, status=200
    )
    case.ids["decision"] = str(made["decisions"][0]["id"])
    action = {
        "description": case.says("Do this"),
        "owner_id": str(stack.principals[p.SOCIAL_WORKER].practitioner_id),
        "due_on": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(),
    }
    await call(stack, p.TEAM_MANAGER, SUPERVISION, f"{record}/actions", action, status=200)
    await call(
        stack,
        p.TEAM_MANAGER,
        SUPERVISION,
        f"{record}/finalise",
        status=200,
        headers={"If-Match": "*"},
    )
    # An amendment keeps what it replaced: the marker, in `previous`.
    amendment = {"worried_about": "Corrected worry", "reason": case.says("Minuted wrongly")}
    await call(
        stack,
        p.TEAM_MANAGER,
        SUPERVISION,
        f"{record}/amendments",
        amendment,
        status=200,
        headers=star,
    )


async def close_long_ago(stack: Stack, engine: AsyncEngine, case: MarkedCase) -> None:
    """Close the case (its reason marked) and move the closure 40 years back."""
    path = f"/cases/{case.case_id}"
    tag = await etag(stack, p.TEAM_MANAGER, WORKBOOK, path)
    reason = {"reason": case.says("No further need")}
    await call(
        stack,
        p.TEAM_MANAGER,
        WORKBOOK,
        f"{path}/close",
        reason,
        status=200,
        headers={"If-Match": tag},
    )
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE workbook.safeguarding_case SET closed_at = closed_at - make_interval("
                "years => 40) WHERE id = :id"
            ),
            {"id": case.case_id},
        )
    await relay_case_events(stack)


async def review_for_destruction(stack: Stack, case: MarkedCase) -> None:
    body = {"decision": "destroy", "reason": "Reviewed against the schedule; no further need."}
    await call(stack, p.DPO, WORKBOOK, f"/retention/cases/{case.case_id}/reviews", body)


async def relay_to_workbook(stack: Stack) -> None:
    """Deliver the workflows' committed events (chronology contributions above all) to the
    workbook's inbox, signed, as each unit's relay does."""
    workbook = stack.apps[WORKBOOK.name]
    async with httpx.AsyncClient(
        mounts={"http://workbook.test": httpx.ASGITransport(app=workbook)}
    ) as client:
        for subscription in SUBSCRIPTIONS:
            if subscription.receiver is not WORKBOOK:
                continue
            publisher = stack.apps[subscription.publisher.name]
            subscriber = Subscriber(
                name=WORKBOOK.name,
                url="http://workbook.test/events",
                secret=TEST_INBOX_SECRET,
                types=list(subscription.types),
            )
            relay = OutboxRelay(
                publisher.state.sessionmaker,
                publisher.state.kernel,
                RelaySettings(subscribers=[subscriber]),
                client,
            )
            while await relay.fan_out():
                pass
            while await relay.run_once():
                pass
