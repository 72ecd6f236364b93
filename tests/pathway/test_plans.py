"""Assessments screened for Supporting Families, SMART targets, reviews on a cadence."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pathway_api.configuration.defaults import DEFAULT_CONFIGURATION
from services.working_days import ENGLAND
from tests.pathway.conftest import Headers, Record
from tests.pathway.factories import (
    consent_body,
    early_help_family,
    post_ok,
    problem,
    target_body,
    to_do,
    to_plan,
)
from tests.workbook.factories import principal

ADMIN = principal(discipline="administrator", roles=("administrator",))


async def publish_rule(
    client: httpx.AsyncClient, as_: Headers, min_areas: int, interval: int = 30
) -> dict[str, Any]:
    body = copy.deepcopy(DEFAULT_CONFIGURATION)
    body["eligibility"] = {
        "min_areas": min_areas,
        "requires_dependent_children_or_expectant_parent": True,
    }
    body["review_interval_working_days"] = interval
    body["note"] = f"Screen at {min_areas} or more areas"
    return await post_ok(client, "/configuration", body, as_(ADMIN))


async def test_the_eligibility_rule_in_configuration_decides_for_the_same_family(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    national = await publish_rule(client, as_, 3)
    family = await early_help_family(client, record)
    await to_plan(client, family, as_, "education", "housing")
    [assessment] = (await client.get(family.path("/assessments"), headers=as_(family.lead))).json()
    assert assessment["screening"]["configuration_version"] == national["version"]
    assert assessment["screening"]["eligible"] is False
    assert assessment["screening"]["reasons"] == ["Needs in 2 headline areas; the rule asks for 3."]

    county = await publish_rule(client, as_, 2)
    now = (await client.get(family.path("/screening"), headers=as_(family.lead))).json()
    assert (now["configuration_version"], now["eligible"]) == (county["version"], True)
    # The assessment still shows how it was screened when it was completed.
    [again] = (await client.get(family.path("/assessments"), headers=as_(family.lead))).json()
    assert again["screening"]["eligible"] is False
    await publish_rule(client, as_, 3)


async def test_no_children_no_expectant_parent_is_not_eligible(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    await publish_rule(client, as_, 3)
    family = await early_help_family(client, record)
    lead = as_(family.lead)
    assert (await client.get(family.path("/screening"), headers=lead)).json() is None
    await post_ok(
        client,
        family.path("/involvement/transitions"),
        {"to": "consent", "reason": "Talk"},
        lead,
    )
    await post_ok(
        client,
        family.path("/consents"),
        {
            "person_id": str(family.parent_id),
            "member_name": "Pat Parent",
            "form": "verbal",
            "scopes": ["assessment"],
            "given_on": date.today().isoformat(),
        },
        lead,
    )
    await post_ok(
        client,
        family.path("/involvement/transitions"),
        {"to": "assessment", "reason": "Assess"},
        lead,
    )
    body = {
        "assessment_type": "my_assessment",
        "areas": ["health", "housing", "financial_stability"],
        "members_assessed": 2,
        "dependent_children": False,
        "summary": "Two adults, no children at home",
    }
    made = await post_ok(client, family.path("/assessments"), body, lead)
    assert made["screening"]["eligible"] is False
    assert made["screening"]["reasons"] == ["No dependent children and no expectant parent."]
    body["areas"] = ["not_an_area"]
    problem(await client.post(family.path("/assessments"), json=body, headers=lead), 422)


async def test_a_plan_lacking_a_target_for_an_identified_need_is_flagged(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    lead = as_(family.lead)
    await to_plan(client, family, as_, "education", "housing", "domestic_abuse")
    plan = (await client.get(family.path("/plan"), headers=lead)).json()
    assert plan["areas_without_target"] == ["domestic_abuse", "education", "housing"]
    assert plan["complete"] is False
    await post_ok(client, family.path("/plan/targets"), target_body("education"), lead)
    plan = (await client.get(family.path("/plan"), headers=lead)).json()
    assert plan["areas_without_target"] == ["domestic_abuse", "housing"]
    not_found = target_body("crime")
    refused = problem(
        await client.post(family.path("/plan/targets"), json=not_found, headers=lead), 422
    )
    assert refused["errors"][0]["code"] == "not_identified"
    past = {**target_body("housing"), "due_on": "2020-01-01"}
    problem(await client.post(family.path("/plan/targets"), json=past, headers=lead), 422)


async def test_reviews_record_progress_and_set_the_next_due_in_working_days(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    await publish_rule(client, as_, 3, interval=30)
    family = await early_help_family(client, record)
    lead = as_(family.lead)
    [first, second] = await to_do(client, family, as_, "education", "housing")
    involvement = (await client.get(family.path("/involvement"), headers=lead)).json()
    assert involvement["next_review_due"] == ENGLAND.add(date.today(), 30).isoformat()
    held = date.today().isoformat()
    body = {
        "held_on": held,
        "outcome": "continue",
        "progress": [
            {"target_id": first, "progress": "on_track"},
            {"target_id": second, "progress": "some_progress", "note": "Housing bid made"},
        ],
        "summary": "Attendance up; housing bid in",
    }
    review = await post_ok(client, family.path("/reviews"), body, lead)
    assert review["next_review_due"] == ENGLAND.add(date.today(), 30).isoformat()
    involvement = (await client.get(family.path("/involvement"), headers=lead)).json()
    assert involvement["stage"] == "do"

    partial = {**body, "progress": [{"target_id": first, "progress": "achieved"}]}
    refused = problem(await client.post(family.path("/reviews"), json=partial, headers=lead), 422)
    assert refused["errors"][0]["code"] == "targets_mismatch"

    worse = {**body, "outcome": "deterioration", "summary": "New police call-out"}
    await post_ok(client, family.path("/reviews"), worse, lead)
    involvement = (await client.get(family.path("/involvement"), headers=lead)).json()
    assert (involvement["stage"], involvement["step_up_prompted"]) == ("review", True)
    reviews = (await client.get(family.path("/reviews"), headers=as_(family.auditor))).json()
    assert [r["outcome"] for r in reviews] == ["continue", "deterioration"]


async def test_overdue_reviews_by_team_and_practitioner(
    client: httpx.AsyncClient, record: Record, as_: Headers, db_engine: AsyncEngine
) -> None:
    family = await early_help_family(client, record)
    await to_do(client, family, as_, "education")
    due = ENGLAND.add(date.today(), -3)
    async with db_engine.begin() as connection:
        await connection.execute(
            text("UPDATE pathway.involvement SET next_review_due = :due WHERE case_id = :case"),
            {"due": due, "case": family.case.case_id},
        )
    by_team = await client.get(
        "/reviews/overdue", params={"team_id": str(family.team_id)}, headers=as_(family.manager)
    )
    assert by_team.status_code == 200, by_team.text
    [row] = by_team.json()
    assert (row["case_id"], row["working_days_overdue"]) == (family.case_id, 3)
    assert (row["lead_practitioner_id"], row["lead_name"]) == (
        str(family.lead.practitioner_id),
        "Lee Lead",
    )
    mine = await client.get(
        "/reviews/overdue",
        params={"practitioner_id": str(family.lead.practitioner_id)},
        headers=as_(family.lead),
    )
    assert [r["case_id"] for r in mine.json()] == [family.case_id]
    # Need-to-know: another team's manager sees none of it.
    other = await client.get(
        "/reviews/overdue", params={"team_id": str(family.team_id)}, headers=as_(family.other_team)
    )
    assert other.json() == []
    problem(await client.get("/reviews/overdue"), 401)


async def test_only_practitioners_on_the_case_record_plans(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    await to_plan(client, family, as_, "education")
    body = target_body("education")
    path = family.path("/plan/targets")
    problem(await client.post(path, json=body, headers=as_(family.auditor)), 403)
    problem(await client.post(path, json=body, headers=as_(family.other_team)), 404)
    problem(await client.get(family.path("/plan"), headers=as_(family.unallocated)), 404)
    await post_ok(client, path, body, as_(family.taf_member))


async def test_signs_of_safety_judgements_are_kept_over_time(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    lead = as_(family.lead)
    mapping = {
        "worries": "Mum's drinking at weekends",
        "working_well": "Gran collects the children from school",
        "needs_to_happen": "A safety plan for weekends",
        "workers_judgement": 4,
        "family_judgement": 7,
    }
    path = family.path("/safety-mappings")
    # No consent to assess yet: no mapping.
    assert problem(await client.post(path, json=mapping, headers=lead), 409)["scope"] == (
        "assessment"
    )
    await post_ok(
        client, family.path("/involvement/transitions"), {"to": "consent", "reason": "Talk"}, lead
    )
    await post_ok(client, family.path("/consents"), consent_body(family, "assessment"), lead)
    await post_ok(client, path, mapping, lead)
    await post_ok(client, path, {**mapping, "workers_judgement": 6, "family_judgement": 8}, lead)
    problem(await client.post(path, json={**mapping, "workers_judgement": 11}, headers=lead), 422)
    problem(await client.post(path, json=mapping, headers=as_(family.auditor)), 403)
    scale = (await client.get(path, headers=as_(family.auditor))).json()
    assert [(m["workers_judgement"], m["family_judgement"]) for m in scale] == [(4, 7), (6, 8)]
