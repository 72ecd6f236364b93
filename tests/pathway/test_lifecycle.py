"""The early help lifecycle as a state machine, with consent, a lead, the TAF, and closure."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.pathway.conftest import Headers, Record
from tests.pathway.factories import (
    assessment_body,
    chronology_titles,
    consent_body,
    early_help_family,
    move,
    post_ok,
    problem,
    target_body,
    to_do,
    to_plan,
)


async def test_illegal_transitions_are_refused_with_what_is_allowed(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    lead = as_(family.lead)
    skip = {"to": "plan", "reason": "Straight to a plan"}
    refused = problem(
        await client.post(family.path("/involvement/transitions"), json=skip, headers=lead), 409
    )
    assert refused["type"].endswith("illegal-transition")
    assert (refused["stage"], refused["allowed"]) == ("identified", ["consent"])
    await move(client, family, as_, "consent")
    # No consent yet: no assessment.
    to_assess = {"to": "assessment", "reason": "Assess"}
    missing = problem(
        await client.post(family.path("/involvement/transitions"), json=to_assess, headers=lead),
        409,
    )
    assert (missing["type"].split("/")[-1], missing["scope"]) == ("consent-missing", "assessment")
    bad = {"to": "closed", "reason": "Not through here"}
    problem(await client.post(family.path("/involvement/transitions"), json=bad, headers=lead), 422)


async def test_no_plan_without_an_assessment_or_a_lead(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record, lead=False)
    lead = as_(family.lead)
    await move(client, family, as_, "consent")
    await post_ok(client, family.path("/consents"), consent_body(family), lead)
    await move(client, family, as_, "assessment")
    to_plan_body = {"to": "plan", "reason": "Plan"}
    path = family.path("/involvement/transitions")
    no_assessment = problem(await client.post(path, json=to_plan_body, headers=lead), 409)
    assert no_assessment["type"].endswith("assessment-missing")
    await post_ok(client, family.path("/assessments"), assessment_body("education"), lead)
    no_lead = problem(await client.post(path, json=to_plan_body, headers=lead), 409)
    assert no_lead["type"].endswith("lead-missing")


async def test_a_withdrawn_consent_stops_what_it_covered(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    lead = as_(family.lead)
    await to_plan(client, family, as_, "education", "housing")
    [consent] = (await client.get(family.path("/consents"), headers=lead)).json()
    withdrawal = {"withdrawn_on": date.today().isoformat(), "reason": "Father asked to stop"}
    withdrawn = await post_ok(
        client, family.path(f"/consents/{consent['id']}/withdraw"), withdrawal, lead
    )
    assert withdrawn["in_force"] is False
    refused = problem(
        await client.post(
            family.path("/plan/targets"), json=target_body("education"), headers=lead
        ),
        409,
    )
    assert refused["scope"] == "plan"
    contact = {"name": "Sam Senco", "agency": "Oak Primary", "role": "SENCO"}
    problem(await client.post(family.path("/team/contacts"), json=contact, headers=lead), 409)
    again = await client.post(
        family.path(f"/consents/{consent['id']}/withdraw"), json=withdrawal, headers=lead
    )
    problem(again, 409)
    involvement = (await client.get(family.path("/involvement"), headers=lead)).json()
    assert involvement["consent_in_force"] == []


async def test_the_team_around_the_family_holds_accounts_and_contacts(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    lead = as_(family.lead)
    await move(client, family, as_, "consent")
    await post_ok(
        client, family.path("/consents"), consent_body(family, "information_sharing"), lead
    )
    contact = await post_ok(
        client,
        family.path("/team/contacts"),
        {"name": "Sam Senco", "agency": "Oak Primary", "role": "SENCO", "contact": "01234 567"},
        lead,
    )
    team = (await client.get(family.path("/team"), headers=as_(family.taf_member))).json()
    assert [(m["practitioner_id"], m["lead"]) for m in team["members"]] == [
        (str(family.lead.practitioner_id), True),
        (str(family.taf_member.practitioner_id), False),
    ]
    assert team["members"][0]["display_name"] == "Lee Lead"
    assert [c["name"] for c in team["contacts"]] == ["Sam Senco"]
    await post_ok(client, family.path(f"/team/contacts/{contact['id']}/end"), {}, lead)
    team = (await client.get(family.path("/team"), headers=lead)).json()
    assert team["contacts"] == []
    involvement = (await client.get(family.path("/involvement"), headers=lead)).json()
    assert involvement["lead"]["practitioner_id"] == str(family.lead.practitioner_id)


async def test_closing_records_why_and_that_the_family_was_told(
    client: httpx.AsyncClient, record: Record, as_: Headers, db_engine: AsyncEngine
) -> None:
    family = await early_help_family(client, record)
    lead = as_(family.lead)
    await to_do(client, family, as_, "education")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    close = {"reason": "Needs met: attendance at 96%", "family_informed_on": tomorrow}
    problem(await client.post(family.path("/involvement/close"), json=close, headers=lead), 422)
    problem(await client.post(family.path("/involvement/close"), json={"reason": "x y z"}), 401)
    close["family_informed_on"] = date.today().isoformat()
    closed = await post_ok(client, family.path("/involvement/close"), close, lead)
    assert closed["stage"] == "closed"
    assert closed["closed_reason"] == close["reason"]
    assert closed["next_review_due"] is None
    assert [c["to_stage"] for c in closed["history"]] == [
        "consent",
        "assessment",
        "plan",
        "do",
        "closed",
    ]
    problem(await client.post(family.path("/involvement/close"), json=close, headers=lead), 409)
    assert (await chronology_titles(db_engine, family.case_id))[-1] == (
        "Early help ended; the family was told"
    )


async def test_the_lifecycle_is_for_early_help_cases_and_their_workers(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    statutory = await early_help_family(client, record, kind="family_safeguarding")
    refused = problem(
        await client.get(statutory.path("/involvement"), headers=as_(statutory.lead)), 409
    )
    assert refused["type"].endswith("not-early-help")
    family = await early_help_family(client, record)
    body = {"to": "consent", "reason": "Talk to the family"}
    path = family.path("/involvement/transitions")
    problem(await client.post(path, json=body, headers=as_(family.auditor)), 403)
    problem(await client.post(path, json=body, headers=as_(family.other_team)), 404)
    problem(await client.get(family.path("/involvement"), headers=as_(family.unallocated)), 404)
    moved = await post_ok(client, path, body, as_(family.manager))
    assert moved["stage"] == "consent"


async def test_consent_decides_what_partner_agencies_read(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    lead = as_(family.lead)
    await move(client, family, as_, "consent")
    # Consent to assess and plan, but not to share with partner agencies.
    await post_ok(
        client, family.path("/consents"), consent_body(family, "assessment", "plan"), lead
    )
    await move(client, family, as_, "assessment")
    await post_ok(client, family.path("/assessments"), assessment_body("education"), lead)
    for path in ("/plan", "/assessments", "/reviews", "/screening", "/safety-mappings"):
        refused = problem(await client.get(family.path(path), headers=as_(family.taf_member)), 403)
        assert refused["type"].endswith("consent-not-shared")
        for reader in (family.lead, family.manager, family.auditor):
            response = await client.get(family.path(path), headers=as_(reader))
            assert response.status_code == 200, (path, response.text)
    await post_ok(
        client, family.path("/consents"), consent_body(family, "information_sharing"), lead
    )
    shared = await client.get(family.path("/plan"), headers=as_(family.taf_member))
    assert shared.status_code == 200


async def test_consent_is_given_by_a_member_of_the_family_on_the_record(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    other = await early_help_family(client, record)
    lead = as_(family.lead)
    await move(client, family, as_, "consent")
    for stranger in (uuid.uuid4(), other.parent_id):
        body = {**consent_body(family), "person_id": str(stranger)}
        refused = problem(await client.post(family.path("/consents"), json=body, headers=lead), 422)
        assert [(e["location"], e["code"]) for e in refused["errors"]] == [
            (["body", "person_id"], "unknown_person")
        ]
    assert (await client.get(family.path("/consents"), headers=lead)).json() == []

    young_person = {
        **consent_body(family, "information_sharing"),
        "person_id": str(family.child_id),
    }
    given = await post_ok(client, family.path("/consents"), young_person, lead)

    assert given["person_id"] == str(family.child_id)
