"""Programme sessions as parenting assessment evidence: checked against this unit's own sessions
when cited, again at submission and at sign-off, and listed in the signed-off PDF."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from typing import Any

from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncEngine

from services.working_days import local_date
from tests.intervention.catalogue import load, programme
from tests.intervention.conftest import AssessmentWorld, forward_case_events
from tests.intervention.helpers import change, completed, ok, problem, start, step
from tests.workbook.factories import (
    allocate,
    create_family,
    member_id,
    open_case,
    principal,
)


async def _enrolment_of(world: AssessmentWorld, case_id: str, person_id: str | None) -> str:
    """A parent's (or the family's) enrolment on a fresh programme; its sessions' URL."""
    admin = principal(discipline="business_support", roles=("administrator",))
    loaded = await load(world.intervention, world.as_(admin), programme())
    assert loaded.status_code == 201, loaded.text
    body: dict[str, Any] = {
        "programme_id": loaded.json()["id"],
        "participant": "parent" if person_id else "family",
        "lead_worker_id": str(world.case.social_worker.practitioner_id),
        "plan": [{"module_code": "module_1"}, {"module_code": "module_2"}],
    }
    if person_id:
        body["person_id"] = person_id
    made = await world.intervention.post(
        f"/cases/{case_id}/enrolments", json=body, headers=world.as_(world.case.manager)
    )
    assert made.status_code == 201, made.text
    return f"/cases/{case_id}/enrolments/{made.json()['id']}/sessions"


async def _log(world: AssessmentWorld, url: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "held_on": local_date(datetime.now(UTC)).isoformat(),
        "attendance": "attended",
        "engagement": 4,
        "modules": ["module_1"],
        "tools": ["tool_1_a"],
        "summary": "Worked through the family's week with the parent.",
        **changes,
    }
    response = await world.intervention.post(
        url, json=body, headers=world.as_(world.case.social_worker)
    )
    return ok(response, 201)


async def _withdraw(world: AssessmentWorld, url: str, session: dict[str, Any]) -> None:
    ok(
        await world.intervention.post(
            f"{url}/{session['id']}/withdraw",
            json={"reason": "Logged on the wrong enrolment."},
            headers=world.as_(world.case.social_worker),
        )
    )


def _session(ref: dict[str, Any]) -> dict[str, str]:
    return {"kind": "programme_session", "ref_id": ref["id"]}


async def test_a_session_is_evidence_when_it_is_on_the_case_and_not_withdrawn(
    world: AssessmentWorld, db_engine: AsyncEngine
) -> None:
    url = await _enrolment_of(world, world.case_id, member_id(world.case, "parent"))
    held = await _log(world, url, modules=["module_1", "module_2"], tools=["tool_1_a"])
    missed = await _log(world, url, attendance="did_not_attend", engagement=None, tools=[])
    withdrawn = await _log(world, url)
    await _withdraw(world, url, withdrawn)
    # A session of another case of the same team, which the social worker works on too.
    family = await create_family(
        world.workbook, world.as_wb(world.case.manager), team_id=world.case.team_id
    )
    other = await open_case(
        world.workbook,
        world.as_wb(world.case.manager),
        family_id=family["id"],
        team_id=world.case.team_id,
    )
    await allocate(
        world.workbook,
        world.as_wb(world.case.manager),
        str(other["id"]),
        world.case.social_worker,
        social_worker=True,
    )
    assert await forward_case_events(db_engine, world.intervention, str(other["id"])) >= 2
    elsewhere_url = await _enrolment_of(world, str(other["id"]), None)
    elsewhere = await _log(world, elsewhere_url)
    made = await start(world)

    refused = await change(
        world,
        world.case.social_worker,
        made,
        basic_care={
            "evidence": [
                _session(withdrawn),
                _session(elsewhere),
                {"kind": "programme_session", "ref_id": str(uuid.uuid4())},
                # An entry's id is not a session's, nor the other way round.
                {"kind": "workbook_entry", "ref_id": held["id"]},
            ]
        },
    )

    errors = problem(refused, 422, "validation")["errors"]
    assert [(e["location"][-2], e["code"]) for e in errors] == [
        ("0", "evidence_withdrawn"),
        ("1", "unknown_evidence"),
        ("2", "unknown_evidence"),
        ("3", "unknown_evidence"),
    ]
    changed = ok(
        await change(
            world,
            world.case.social_worker,
            made,
            basic_care={"evidence": [_session(held), _session(missed)]},
        )
    )
    linked = changed["sections"][0]["evidence"]
    assert [(item["kind"], item["ref_id"], item["label"]) for item in linked] == [
        ("programme_session", held["id"], "Programme session: attended, module_1, module_2"),
        ("programme_session", missed["id"], "Programme session: did not attend, module_1"),
    ]
    assert held["summary"] not in str(linked)


async def test_a_session_withdrawn_after_citing_stops_submission_and_sign_off(
    world: AssessmentWorld,
) -> None:
    worker, manager = world.case.social_worker, world.case.manager
    url = await _enrolment_of(world, world.case_id, None)
    first, second = await _log(world, url), await _log(world, url)
    draft = await completed(world, await start(world))
    draft = ok(
        await change(
            world, worker, draft, stability={"evidence": [_session(first), _session(second)]}
        )
    )
    await _withdraw(world, url, first)

    stale = problem(await step(world, worker, draft, "submit"), 409, "evidence-not-current")
    assert stale["evidence"] == [
        {
            "section": "stability",
            "kind": "programme_session",
            "ref_id": first["id"],
            "code": "evidence_withdrawn",
        }
    ]
    draft = ok(await change(world, worker, draft, stability={"evidence": [_session(second)]}))
    submitted = ok(await step(world, worker, draft, "submit"))
    await _withdraw(world, url, second)
    problem(await step(world, manager, submitted, "sign-off", {}), 409, "evidence-not-current")


async def test_the_signed_off_pdf_lists_its_session_evidence(world: AssessmentWorld) -> None:
    worker, manager = world.case.social_worker, world.case.manager
    url = await _enrolment_of(world, world.case_id, None)
    held = await _log(world, url, modules=["module_2"], tools=["tool_2_a"])
    draft = await completed(world, await start(world))
    draft = ok(await change(world, worker, draft, emotional_warmth={"evidence": [_session(held)]}))
    submitted = ok(await step(world, worker, draft, "submit"))
    final = ok(await step(world, manager, submitted, "sign-off", {}))

    response = await world.intervention.get(
        f"/assessments/{final['id']}/document", headers=world.as_(worker)
    )

    assert response.status_code == 200, response.text
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Programme session: attended, module_2" in " ".join(text.split())
    assert held["id"] in text.replace("\n", "")
    assert held["summary"] not in text
