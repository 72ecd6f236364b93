"""The parenting assessment: sections and evidence, its lifecycle, versions that supersede."""

from __future__ import annotations

import asyncio
import io
import uuid
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from intervention_api.assessments.sections import DEFAULT_SECTIONS
from services.events import CloudEvent
from tests.intervention.conftest import AssessmentWorld
from tests.intervention.helpers import change, completed, ok, problem, signed_off, start, step
from tests.support.events import deliver
from tests.workbook.factories import create_family, open_case, record_entry


async def test_an_allocated_worker_starts_an_assessment_with_the_default_sections(
    world: AssessmentWorld,
) -> None:
    made = await start(world)

    assert made["status"] == "draft"
    assert made["number"] == 1
    assert made["series_id"] == made["id"]
    assert made["author_id"] == str(world.case.social_worker.practitioner_id)
    assert [(s["key"], s["heading"]) for s in made["sections"]] == list(DEFAULT_SECTIONS.items())
    assert all(s["analysis"] is None and s["evidence"] == [] for s in made["sections"])
    read = ok(
        await world.intervention.get(
            f"/assessments/{made['id']}", headers=world.as_(world.case.manager)
        )
    )
    assert read == made
    listed = ok(
        await world.intervention.get(
            "/assessments",
            params={"case_id": world.case_id},
            headers=world.as_(world.case.social_worker),
        )
    )
    assert [item["id"] for item in listed["items"]] == [made["id"]]


async def test_an_assessment_may_name_its_own_sections(world: AssessmentWorld) -> None:
    made = await start(
        world, sections={"parent_history": "The parent's history", "risks": "Risks and strengths"}
    )

    assert [s["key"] for s in made["sections"]] == ["parent_history", "risks"]
    refused = await world.intervention.post(
        "/assessments",
        json={"case_id": world.case_id, "title": "No sections", "sections": {}},
        headers=world.as_(world.case.social_worker),
    )
    problem(refused, 422, "validation")


async def test_evidence_is_a_final_entry_of_the_case_its_author_may_read(
    world: AssessmentWorld, db_engine: AsyncEngine
) -> None:
    worker, specialist = world.case.social_worker, world.case.specialists["recovery_worker"]
    visit = await record_entry(world.workbook, world.as_wb(worker), world.case_id)
    own_draft = await record_entry(
        world.workbook, world.as_wb(worker), world.case_id, finalise=False
    )
    # A specialist's draft is theirs alone: to the social worker it does not exist.
    their_draft = await record_entry(
        world.workbook, world.as_wb(specialist), world.case_id, finalise=False
    )
    made = await start(world)

    refused = await change(
        world,
        worker,
        made,
        basic_care={
            "evidence": [
                {"kind": "workbook_entry", "ref_id": their_draft["id"]},
                {"kind": "workbook_entry", "ref_id": own_draft["id"]},
                {"kind": "workbook_entry", "ref_id": str(uuid.uuid4())},
            ]
        },
    )
    errors = problem(refused, 422, "validation")["errors"]
    assert [(e["location"][-2], e["code"]) for e in errors] == [
        ("0", "unknown_evidence"),
        ("1", "evidence_not_final"),
        ("2", "unknown_evidence"),
    ]
    assert their_draft["narrative"] not in refused.text

    changed = ok(
        await change(
            world,
            worker,
            made,
            basic_care={
                "analysis": "Meals and routines are in place most days.",
                "evidence": [{"kind": "workbook_entry", "ref_id": visit["id"]}],
            },
        )
    )
    basic_care = changed["sections"][0]
    assert basic_care["analysis"] == "Meals and routines are in place most days."
    [linked] = basic_care["evidence"]
    assert linked["ref_id"] == visit["id"]
    assert linked["label"] == "Workbook entry: home_visit by social_worker"
    assert linked["linked_by_id"] == str(worker.practitioner_id)
    assert visit["narrative"] not in changed["sections"].__repr__()
    assert changed["etag"] != made["etag"]
    # The workbook read the entry as the author, and audited it as theirs.
    async with db_engine.connect() as connection:
        readers = (
            await connection.execute(
                text(
                    "SELECT actor_practitioner_id FROM workbook.audit_log WHERE action = 'read'"
                    " AND resource_type = 'entry' AND resource_id = :entry"
                ),
                {"entry": visit["id"]},
            )
        ).scalars()
        assert {str(r) for r in readers} == {str(worker.practitioner_id)}


async def test_an_entry_of_another_case_is_not_evidence(world: AssessmentWorld) -> None:
    made = await start(world)
    elsewhere = await record_entry(
        world.workbook,
        world.as_wb(world.case.manager),
        await _another_case_of_the_team(world),
    )

    refused = await change(
        world,
        world.case.social_worker,
        made,
        stability={"evidence": [{"kind": "workbook_entry", "ref_id": elsewhere["id"]}]},
    )
    [error] = problem(refused, 422, "validation")["errors"]
    assert error["code"] == "unknown_evidence"


async def _another_case_of_the_team(world: AssessmentWorld) -> str:
    headers = world.as_wb(world.case.manager)
    family = await create_family(world.workbook, headers, team_id=world.case.team_id)
    case = await open_case(
        world.workbook, headers, family_id=family["id"], team_id=world.case.team_id
    )
    return str(case["id"])


async def test_a_section_the_assessment_does_not_have_is_named_in_the_refusal(
    world: AssessmentWorld,
) -> None:
    made = await start(world)

    refused = await change(world, world.case.social_worker, made, housing={"analysis": "Fine."})
    [error] = problem(refused, 422, "validation")["errors"]
    assert (error["location"], error["code"]) == (
        ["body", "sections", "housing"],
        "unknown_section",
    )
    empty = await change(world, world.case.social_worker, made, stability={})
    problem(empty, 422, "validation")


async def test_submitted_then_returned_with_comments_then_signed_off_by_a_manager(
    world: AssessmentWorld,
) -> None:
    worker, manager = world.case.social_worker, world.case.manager
    draft = await start(world)
    incomplete = problem(await step(world, worker, draft, "submit"), 409, "assessment-incomplete")
    assert incomplete["sections"] == list(DEFAULT_SECTIONS)
    draft = await completed(world, draft)

    # Every change names the version it was based on.
    no_etag = await world.intervention.post(
        f"/assessments/{draft['id']}/submit", headers=world.as_(worker)
    )
    problem(no_etag, 428, "precondition-required")
    stale = {**draft, "etag": f'"{uuid.UUID(draft["id"]).hex}.1"'}
    problem(await step(world, worker, stale, "submit"), 412, "precondition-failed")

    submitted = ok(await step(world, worker, draft, "submit"))
    assert submitted["status"] == "submitted"
    assert submitted["submitted_at"] is not None
    problem(await change(world, worker, submitted, stability={"analysis": "x"}), 409)
    # Only a manager decides.
    problem(await step(world, worker, submitted, "return", {"comments": "Mine."}), 403)
    problem(await step(world, worker, submitted, "sign-off", {}), 403)
    problem(await step(world, manager, submitted, "return", {"comments": "  "}), 422)

    returned = ok(
        await step(world, manager, submitted, "return", {"comments": "Say more on stability."})
    )
    assert returned["status"] == "draft"
    assert returned["submitted_at"] is None
    assert [(t["action"], t["comment"]) for t in returned["transitions"]] == [
        ("submitted", None),
        ("returned", "Say more on stability."),
    ]
    problem(await step(world, manager, returned, "sign-off", {}), 409, "assessment-state")

    resubmitted = ok(await step(world, worker, returned, "submit"))
    final = ok(await step(world, manager, resubmitted, "sign-off", {"comment": "Agreed."}))
    assert final["status"] == "signed_off"
    assert final["signed_off_by_id"] == str(manager.practitioner_id)
    assert final["sign_off_comment"] == "Agreed."
    assert [t["action"] for t in final["transitions"]] == [
        "submitted",
        "returned",
        "submitted",
        "signed_off",
    ]


async def test_a_signed_off_version_never_changes_and_a_new_one_supersedes_it(
    world: AssessmentWorld, db_engine: AsyncEngine
) -> None:
    worker, manager = world.case.social_worker, world.case.manager
    visit = await record_entry(world.workbook, world.as_wb(worker), world.case_id)
    first = await start(world)
    first = ok(
        await change(
            world,
            worker,
            first,
            ensuring_safety={"evidence": [{"kind": "workbook_entry", "ref_id": visit["id"]}]},
        )
    )
    first = await completed(world, first)
    first = ok(await step(world, worker, first, "submit"))
    first = ok(await step(world, manager, first, "sign-off", {}))

    for refused in (
        await change(world, worker, first, stability={"analysis": "Changed my mind."}),
        await step(world, worker, first, "submit"),
        await step(world, manager, first, "sign-off", {}),
        await step(world, manager, first, "return", {"comments": "Too late."}),
    ):
        problem(refused, 409, "assessment-state")

    second = ok(await step(world, worker, first, "versions"), 201)
    assert (second["number"], second["status"]) == (2, "draft")
    assert second["series_id"] == first["id"]
    assert second["supersedes_id"] == first["id"]
    assert [s["analysis"] for s in second["sections"]] == [s["analysis"] for s in first["sections"]]
    assert second["sections"][1]["evidence"] == first["sections"][1]["evidence"]
    # One successor only: the signed-off version is revised once.
    problem(await step(world, worker, first, "versions"), 409, "assessment-superseded")

    second = ok(await change(world, worker, second, stability={"analysis": "Now settled."}))
    second = ok(await step(world, worker, second, "submit"))
    second = ok(await step(world, manager, second, "sign-off", {}))
    again = ok(
        await world.intervention.get(f"/assessments/{first['id']}", headers=world.as_(worker))
    )
    assert again["status"] == "signed_off"
    assert again["superseded_by_id"] == second["id"]
    assert again["superseded_at"] is not None
    assert again["sections"] == first["sections"]
    assert again["transitions"][-1]["action"] == "superseded"
    printed = await world.intervention.get(
        f"/assessments/{first['id']}/document", headers=world.as_(worker)
    )
    assert printed.status_code == 200, printed.text
    pages = PdfReader(io.BytesIO(printed.content)).pages
    assert "Superseded: version 2 replaces this version." in pages[0].extract_text()
    listed = ok(
        await world.intervention.get(
            "/assessments", params={"case_id": world.case_id}, headers=world.as_(worker)
        )
    )
    assert [i["id"] for i in listed["items"]] == [second["id"], first["id"]]

    # The database itself refuses to change a signed-off version or its parts.
    for statement in (
        "UPDATE intervention.parenting_assessment SET title = 'Rewritten' WHERE id = :id",
        "UPDATE intervention.parenting_assessment_section SET analysis = 'Rewritten'"
        " WHERE assessment_id = :id",
        "DELETE FROM intervention.parenting_assessment_evidence WHERE section_id IN"
        " (SELECT id FROM intervention.parenting_assessment_section WHERE assessment_id = :id)",
    ):
        async with db_engine.connect() as connection:
            with pytest.raises(DBAPIError, match="signed-off parenting assessment"):
                await connection.execute(text(statement), {"id": first["id"]})


async def test_a_manager_does_not_sign_off_their_own_assessment(world: AssessmentWorld) -> None:
    manager = world.case.manager
    mine = await start(world, manager)
    mine = ok(
        await change(
            world,
            manager,
            mine,
            **{key: {"analysis": "Seen and assessed."} for key in DEFAULT_SECTIONS},
        )
    )
    mine = ok(await step(world, manager, mine, "submit"))

    problem(await step(world, manager, mine, "sign-off", {}), 403, "forbidden")


async def test_the_sign_off_goes_on_the_case_chronology(
    world: AssessmentWorld, db_engine: AsyncEngine
) -> None:
    final = await signed_off(world)
    async with db_engine.connect() as connection:
        [row] = (
            await connection.execute(
                text(
                    "SELECT id, type, source, subject, time, data, team_id"
                    " FROM intervention.outbox_event WHERE subject = :subject"
                ),
                {"subject": f"assessments/{final['id']}"},
            )
        ).all()
    assert row.type == "uk.gov.fsm.intervention.chronology.recorded"
    assert row.team_id == world.case.team_id
    assert row.data["case_id"] == world.case_id
    assert "Analysis of" not in str(row.data)
    event = CloudEvent(
        specversion="1.0",
        id=row.id,
        source=row.source,
        type=row.type,
        subject=row.subject,
        time=row.time,
        data=row.data,
    )
    assert (await deliver(world.workbook, event)).status_code == 204

    chronology = ok(
        await world.workbook.get(
            f"/cases/{world.case_id}/chronology", headers=world.as_wb(world.case.social_worker)
        )
    )
    [item] = [i for i in chronology["items"] if i["kind"] == "event"]
    assert item["title"] == "Parenting assessment signed off"
    assert item["source"] == "intervention"
    assert "version 1" in item["summary"]
    assert world.case.manager.display_name in item["summary"]


async def _withdraw(world: AssessmentWorld, entry: dict[str, Any]) -> None:
    response = await world.workbook.post(
        f"/cases/{world.case_id}/entries/{entry['id']}/withdraw",
        json={"reason": "Recorded on the wrong family"},
        headers={**world.as_wb(world.case.social_worker), "If-Match": entry["etag"]},
    )
    assert response.status_code == 200, response.text


async def test_evidence_withdrawn_since_it_was_linked_stops_submission_and_sign_off(
    world: AssessmentWorld,
) -> None:
    worker, manager = world.case.social_worker, world.case.manager
    first = await record_entry(world.workbook, world.as_wb(worker), world.case_id)
    second = await record_entry(world.workbook, world.as_wb(worker), world.case_id)
    draft = await completed(world, await start(world))
    cites = {"kind": "workbook_entry", "ref_id": first["id"]}
    also = {"kind": "workbook_entry", "ref_id": second["id"]}
    draft = ok(await change(world, worker, draft, stimulation={"evidence": [cites, also]}))
    await _withdraw(world, first)

    stale = problem(await step(world, worker, draft, "submit"), 409, "evidence-not-current")
    assert stale["evidence"] == [
        {
            "section": "stimulation",
            "kind": "workbook_entry",
            "ref_id": first["id"],
            "code": "evidence_not_final",
        }
    ]
    draft = ok(await change(world, worker, draft, stimulation={"evidence": [also]}))
    submitted = ok(await step(world, worker, draft, "submit"))
    await _withdraw(world, second)

    refused = await step(world, manager, submitted, "sign-off", {})
    assert problem(refused, 409, "evidence-not-current")["evidence"][0]["ref_id"] == second["id"]


async def test_two_changes_from_one_version_one_wins_the_other_is_told_it_is_stale(
    world: AssessmentWorld,
) -> None:
    draft = await start(world)
    worker, specialist = world.case.social_worker, world.case.specialists["recovery_worker"]

    answers = await asyncio.gather(
        change(world, worker, draft, stability={"analysis": "The worker's reading."}),
        change(world, specialist, draft, stability={"analysis": "The specialist's reading."}),
    )

    assert sorted(a.status_code for a in answers) == [200, 412]
    [won] = [a.json() for a in answers if a.status_code == 200]
    now = ok(await world.intervention.get(f"/assessments/{draft['id']}", headers=world.as_(worker)))
    assert now["sections"][5]["analysis"] == won["sections"][5]["analysis"]


async def test_members_that_may_be_left_out_are_never_null(world: AssessmentWorld) -> None:
    draft = await start(world)
    worker = world.case.social_worker

    for section in ({"analysis": None}, {"evidence": None}):
        refused = await change(world, worker, draft, stability=section)
        [error] = problem(refused, 422, "validation")["errors"]
        assert error["location"] == ["body", "sections", "stability", next(iter(section))]
    created = await world.intervention.post(
        "/assessments",
        json={"case_id": world.case_id, "title": "Null sections", "sections": None},
        headers=world.as_(worker),
    )
    problem(created, 422, "validation")


async def test_a_draft_s_title_is_corrected_and_a_change_must_say_what_changes(
    world: AssessmentWorld,
) -> None:
    draft = await start(world)
    response = await world.intervention.patch(
        f"/assessments/{draft['id']}",
        json={"title": "Parenting assessment of Ms B"},
        headers={**world.as_(world.case.social_worker), "If-Match": draft["etag"]},
    )
    assert ok(response)["title"] == "Parenting assessment of Ms B"
    empties: list[dict[str, Any]] = [{}, {"title": None}, {"sections": {}}]
    for empty in empties:
        refused = await world.intervention.patch(
            f"/assessments/{draft['id']}",
            json=empty,
            headers={**world.as_(world.case.social_worker), "If-Match": "*"},
        )
        problem(refused, 422, "validation")


async def test_a_manager_lists_what_awaits_their_sign_off_across_their_cases(
    world: AssessmentWorld,
) -> None:
    waiting = ok(
        await step(
            world, world.case.social_worker, await completed(world, await start(world)), "submit"
        )
    )
    await start(world)  # a draft: not waiting for anyone

    listed = ok(
        await world.intervention.get(
            "/assessments", params={"status": "submitted"}, headers=world.as_(world.case.manager)
        )
    )
    assert [item["id"] for item in listed["items"]] == [waiting["id"]]
    elsewhere = ok(
        await world.intervention.get(
            "/assessments",
            params={"status": "submitted"},
            headers=world.as_(world.case.outsider_manager),
        )
    )
    assert waiting["id"] not in [item["id"] for item in elsewhere["items"]]
