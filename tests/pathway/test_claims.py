"""Supporting Families claims: readiness, claims in batches, assurance, the audit, submission.

One database serves the package, and a batch is the claim period's: the scenario claims into
the current period's batch and submits it, so the tests after it claim into the next period's.
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pathway_api.claims.ledger.sampling import Candidate, draw
from pathway_api.claims.readiness.sweep import sweep_once
from services.event_contracts import FAMILY_SAFEGUARDING
from tests.pathway.claim_factories import (
    AUDITOR,
    SUPPORTING_FAMILIES,
    a_period_of_its_own,
    age,
    claim,
    close_family,
    open_family,
    ready_family,
)
from tests.pathway.conftest import Headers, Record
from tests.pathway.factories import chronology_titles, post_ok, problem
from tests.projection.factories import announce, case_snapshot
from tests.workbook.factories import manager_of, principal

SF = SUPPORTING_FAMILIES
NATIONAL_SETTINGS = {
    "sustain_months": 6,
    "sample_percent": 10,
    "claim_period_months": 3,
    "funding_model": "payment_by_results",
    "note": "The national programme's settings",
}


@pytest.fixture(autouse=True)
async def national_settings(client: httpx.AsyncClient, as_: Headers) -> None:
    """The settings in force are the database's, shared with every test before these (the
    fuzz publishes whatever it draws): each test here starts from the national ones."""
    admin = principal(discipline="administrator", roles=("administrator",))
    await post_ok(client, "/claims/settings", NATIONAL_SETTINGS, as_(admin))


async def readiness(client: httpx.AsyncClient, as_: Headers, case_id: Any) -> dict[str, Any]:
    response = await client.get(f"/cases/{case_id}/claim-readiness", headers=as_(SF))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def unmet(body: dict[str, Any]) -> dict[str, list[str]]:
    return {c["code"]: c["missing"] for c in body["criteria"] if not c["met"]}


async def events(engine: AsyncEngine, event_type: str, case_id: Any) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT data FROM pathway.outbox_event WHERE type = :type"
                " AND data->>'case_id' = :case ORDER BY time, id"
            ),
            {"type": f"uk.gov.fsm.pathway.claim.{event_type}", "case": str(case_id)},
        )
        return [row[0] for row in rows]


async def test_a_family_missing_one_smart_target_is_not_ready_and_the_area_is_named(
    client: httpx.AsyncClient, record: Record, as_: Headers, db_engine: AsyncEngine
) -> None:
    family = await open_family(client, record)
    await close_family(client, as_, family, areas=("education", "housing"), targets=("education",))
    await age(db_engine, family.case_id)
    body = await readiness(client, as_, family.case_id)
    assert body["ready"] is False
    assert unmet(body) == {
        "smart_targets": ["No SMART target for the identified need in housing (housing)."]
    }
    refused = problem(await client.post(family.path("/claims"), json={}, headers=as_(SF)), 409)
    assert refused["type"].endswith("/not-claim-ready")
    assert refused["missing"] == [
        {
            "code": "smart_targets",
            "missing": ["No SMART target for the identified need in housing (housing)."],
        }
    ]


async def test_readiness_waits_for_the_sustain_period_and_a_relapse_breaks_it(
    client: httpx.AsyncClient, record: Record, as_: Headers, db_engine: AsyncEngine
) -> None:
    family = await open_family(client, record)
    await close_family(client, as_, family)
    fresh = await readiness(client, as_, family.case_id)
    assert fresh["ready"] is False
    assert list(unmet(fresh)) == ["sustained_progress"]
    assert fresh["sustained_until"] is not None
    assert "the period ends on " + fresh["sustained_until"] in unmet(fresh)["sustained_progress"][0]

    await age(db_engine, family.case_id)
    assert (await readiness(client, as_, family.case_id))["ready"] is True
    # A Family Safeguarding case opened for the family inside the period: not sustained.
    relapse = case_snapshot(family.team_id, family_id=family.family_id, kind=FAMILY_SAFEGUARDING)
    await announce(client, relapse)
    body = await readiness(client, as_, family.case_id)
    assert body["ready"] is False
    [why] = unmet(body)["sustained_progress"]
    assert why.startswith("Not sustained: a Family Safeguarding case opened for the family on ")


async def test_an_open_involvement_lists_every_criterion(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await open_family(client, record)
    body = await readiness(client, as_, family.case_id)
    assert [c["code"] for c in body["criteria"]] == [
        "lead_practitioner",
        "whole_family_assessment",
        "smart_targets",
        "review_cadence",
        "outcome_evidence",
        "sustained_progress",
    ]
    assert list(unmet(body)) == [
        "whole_family_assessment",
        "smart_targets",
        "review_cadence",
        "outcome_evidence",
        "sustained_progress",
    ]
    assert body["closed_on"] is None


async def test_claims_batches_assurance_audit_and_submission(
    client: httpx.AsyncClient, record: Record, as_: Headers, db_engine: AsyncEngine
) -> None:
    teams = [uuid.uuid4() for _ in range(3)]
    days = a_period_of_its_own()
    families = [
        await ready_family(client, record, as_, db_engine, team, days=days)
        for team in teams
        for _ in range(4)
    ]
    made = [await claim(client, as_, family) for family in families]
    [batch_id] = {c["batch_id"] for c in made}
    assert all(c["status"] == "claimed" and c["sampled"] is False for c in made)
    assert made[0]["evidence"]["targets"][0]["progress"] == "achieved"
    assert all(c["met"] for c in made[0]["evidence"]["criteria"])
    # Claim ready and claimed announced once each, and on the family's chronology.
    first = families[0]
    assert len(await events(db_engine, "ready", first.case_id)) == 1
    assert len(await events(db_engine, "claimed", first.case_id)) == 1
    titles = await chronology_titles(db_engine, str(first.case_id))
    assert titles[-2:] == [
        "Supporting Families: the family's progress is sustained, ready to claim",
        "Supporting Families: claimed for the family's sustained progress",
    ]
    again = problem(await client.post(first.path("/claims"), json={}, headers=as_(SF)), 409)
    assert again["type"].endswith("/already-claimed")
    listed = (await client.get("/claims/readiness?ready=true", headers=as_(SF))).json()
    assert str(first.case_id) in {r["case_id"] for r in listed}
    assert (
        next(r for r in listed if r["case_id"] == str(first.case_id))["claim_id"] == made[0]["id"]
    )

    batch_path = f"/claims/batches/{batch_id}"
    # Submission needs every claim assured, by a manager of the family's team.
    unassured = problem(await client.post(f"{batch_path}/submit", headers=as_(SF)), 409)
    assert unassured["type"].endswith("/assurance-missing")
    stranger = manager_of(uuid.uuid4())
    qa = {"note": "Evidence checked against the plan and reviews"}
    path = f"/claims/{made[0]['id']}/quality-assurance"
    problem(await client.post(path, json=qa, headers=as_(stranger)), 404)
    for family, row in zip(families, made, strict=True):
        assured = await post_ok(
            client, f"/claims/{row['id']}/quality-assurance", qa, as_(family.manager)
        )
        assert assured["assured_by"] == str(family.manager.practitioner_id)
    # Payment by results (the default): the sample is drawn and decided first.
    no_sample = problem(await client.post(f"{batch_path}/submit", headers=as_(SF)), 409)
    assert no_sample["type"].endswith("/sample-missing")

    seed = "claims-scenario-seed"
    sample = await post_ok(client, f"{batch_path}/sample", {"seed": seed}, as_(SF))
    assert (sample["seed"], sample["population"], sample["redraw_matches"]) == (seed, 12, True)
    # A tenth of four claims per team, rounded up: one from each team.
    assert sorted(c["stratum"] for c in sample["claims"]) == sorted(str(t) for t in teams)
    # Drawn as documented: re-drawn here from the seed over the claims, the same claims.
    expected = draw(seed, 10, [Candidate(UUID(c["id"]), UUID(c["owning_team_id"])) for c in made])
    assert [(str(d.claim_id), d.rank) for d in expected] == [
        (c["claim_id"], c["rank"]) for c in sample["claims"]
    ]
    problem(await client.post(f"{batch_path}/sample", json={}, headers=as_(SF)), 409)
    sampled = {c["claim_id"] for c in sample["claims"]}
    for row in made:
        if row["id"] in sampled:
            assert len(await events(db_engine, "sampled", row["case_id"])) == 1

    # The auditor sees the sampled claims, and nothing else.
    seen = (await client.get(f"/claims?batch_id={batch_id}", headers=as_(AUDITOR))).json()
    assert {c["id"] for c in seen} == sampled
    unsampled = next(row["id"] for row in made if row["id"] not in sampled)
    problem(await client.get(f"/claims/{unsampled}", headers=as_(AUDITOR)), 404)
    problem(await client.get(batch_path, headers=as_(AUDITOR)), 403)
    assert (await client.get(f"{batch_path}/sample", headers=as_(AUDITOR))).json()["claims"]
    decide = {"decision": "accepted"}
    problem(
        await client.post(f"/claims/{unsampled}/audit-decision", json=decide, headers=as_(AUDITOR)),
        404,
    )
    returned_id, *accepted_ids = sorted(sampled)
    undecided = problem(await client.post(f"{batch_path}/submit", headers=as_(SF)), 409)
    assert undecided["type"].endswith("/audit-undecided")
    reasons = {
        "decision": "returned",
        "reasons": "The housing outcome is not evidenced after closure.",
        "evidence_requested": "The landlord's confirmation that the tenancy is sustained.",
    }
    returned = await post_ok(client, f"/claims/{returned_id}/audit-decision", reasons, as_(AUDITOR))
    assert returned["status"] == "returned"
    assert returned["audit"]["evidence_requested"] == reasons["evidence_requested"]
    for claim_id in accepted_ids:
        await post_ok(client, f"/claims/{claim_id}/audit-decision", decide, as_(AUDITOR))
    decided = await events(db_engine, "audit_decided", returned["case_id"])
    assert [e["decision"] for e in decided] == ["returned"]
    assert (await chronology_titles(db_engine, returned["case_id"]))[-2:] == [
        "Supporting Families: the claim was drawn for audit",
        "Supporting Families audit: the claim was returned and leaves its batch",
    ]

    # The returned claim is out of the batch.
    batch = (await client.get(batch_path, headers=as_(SF))).json()
    assert (batch["claims"], batch["returned"], batch["sampled"]) == (11, 1, 3)
    in_batch = await client.get(f"/claims?batch_id={batch_id}&status=claimed", headers=as_(SF))
    assert returned_id not in {c["id"] for c in in_batch.json()}

    submitted = await post_ok(client, f"{batch_path}/submit", {}, as_(SF))
    assert (submitted["status"], submitted["funding_model"]) == ("submitted", "payment_by_results")
    # Frozen: no assurance, decision, draw or second submission.
    frozen = problem(await client.post(f"{batch_path}/submit", headers=as_(SF)), 409)
    assert frozen["type"].endswith("/batch-submitted")
    assert (await client.get(f"{batch_path}/sample", headers=as_(SF))).json()["redraw_matches"]
    # The returned family may be claimed again, into the next period's open batch.
    family = next(f for f, row in zip(families, made, strict=True) if row["id"] == returned_id)
    reclaimed = await claim(client, as_, family)
    assert reclaimed["batch_id"] != batch_id


async def test_the_sweep_announces_a_ready_family_once(
    client: httpx.AsyncClient, record: Record, as_: Headers, db_engine: AsyncEngine
) -> None:
    family = await ready_family(client, record, as_, db_engine)
    assert await events(db_engine, "ready", family.case_id) == []
    assert await sweep_once(db_engine) >= 1
    await sweep_once(db_engine)
    [ready] = await events(db_engine, "ready", family.case_id)
    assert ready["case_id"] == str(family.case_id)


async def test_every_claims_endpoint_refuses_anonymous_wrong_role_and_other_teams(
    client: httpx.AsyncClient, record: Record, as_: Headers, db_engine: AsyncEngine
) -> None:
    family = await ready_family(client, record, as_, db_engine)
    made = await claim(client, as_, family)
    claim_path, batch_path = f"/claims/{made['id']}", f"/claims/batches/{made['batch_id']}"
    worker = family.lead
    other_manager = manager_of(uuid.uuid4())
    missing = uuid.uuid4()
    qa = {"note": "Evidence checked"}
    decision = {"decision": "accepted"}
    settings = {
        "sustain_months": 6,
        "sample_percent": 10,
        "claim_period_months": 3,
        "funding_model": "payment_by_results",
        "note": "Unchanged",
    }
    # (method, path, body, wrong role, outsider or missing record)
    cases: list[tuple[str, str, Any, Any, tuple[Any, str] | None]] = [
        (
            "GET",
            "/claims/settings/versions/1",
            None,
            None,
            (worker, "/claims/settings/versions/999"),
        ),
        ("POST", "/claims/settings", settings, worker, None),
        ("GET", family.path("/claim-readiness"), None, worker, (other_manager, "")),
        ("GET", "/claims/readiness", None, worker, None),
        ("POST", family.path("/claims"), {}, family.manager, (SF, f"/cases/{missing}/claims")),
        ("GET", "/claims", None, worker, None),
        ("GET", claim_path, None, worker, (other_manager, "")),
        ("POST", f"{claim_path}/quality-assurance", qa, SF, (other_manager, "")),
        ("POST", f"{claim_path}/audit-decision", decision, family.manager, (AUDITOR, "")),
        ("GET", "/claims/batches", None, AUDITOR, None),
        ("GET", batch_path, None, worker, (SF, f"/claims/batches/{missing}")),
        (
            "POST",
            f"{batch_path}/sample",
            {},
            family.manager,
            (SF, f"/claims/batches/{missing}/sample"),
        ),
        ("GET", f"{batch_path}/sample", None, worker, (SF, f"/claims/batches/{missing}/sample")),
        (
            "POST",
            f"{batch_path}/submit",
            {},
            family.manager,
            (SF, f"/claims/batches/{missing}/submit"),
        ),
    ]
    for method, path, body, wrong_role, outsider in cases:
        problem(await client.request(method, path, json=body), 401)
        if wrong_role is not None:
            problem(await client.request(method, path, json=body, headers=as_(wrong_role)), 403)
        if outsider is not None:
            who, elsewhere = outsider
            answer = await client.request(method, elsewhere or path, json=body, headers=as_(who))
            problem(answer, 404)
    # The reads everyone signed in may make, and the lists' scope.
    assert (await client.get("/claims/settings", headers=as_(worker))).status_code == 200
    theirs = (await client.get("/claims", headers=as_(other_manager))).json()
    assert theirs == []
    mine = (await client.get("/claims", headers=as_(family.manager))).json()
    assert [c["id"] for c in mine] == [made["id"]]
    listed = (await client.get("/claims/readiness", headers=as_(other_manager))).json()
    assert listed == []


async def test_publishing_settings_changes_the_funding_model(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    admin = principal(discipline="administrator", roles=("administrator",))
    body = {
        "sustain_months": 6,
        "sample_percent": 15,
        "claim_period_months": 3,
        "funding_model": "earned_autonomy",
        "note": "Earned autonomy agreed with the department",
    }
    published = await post_ok(client, "/claims/settings", body, as_(admin))
    now = (await client.get("/claims/settings", headers=as_(SF))).json()
    assert (now["version"], now["funding_model"], now["sample_percent"]) == (
        published["version"],
        "earned_autonomy",
        15,
    )
    bad = {**body, "sample_percent": 5}
    problem(await client.post("/claims/settings", json=bad, headers=as_(admin)), 422)
    await post_ok(
        client,
        "/claims/settings",
        {
            **body,
            "sample_percent": 10,
            "funding_model": "payment_by_results",
            "note": "Back to the default",
        },
        as_(admin),
    )


async def test_under_earned_autonomy_a_batch_is_submitted_without_a_sample(
    client: httpx.AsyncClient, record: Record, as_: Headers, db_engine: AsyncEngine
) -> None:
    admin = principal(discipline="administrator", roles=("administrator",))
    settings = {
        "sustain_months": 6,
        "sample_percent": 10,
        "claim_period_months": 3,
        "funding_model": "earned_autonomy",
        "note": "Earned autonomy agreed with the department",
    }
    await post_ok(client, "/claims/settings", settings, as_(admin))
    try:
        # Its result fell in a claim period no other test claims in.
        family = await ready_family(client, record, as_, db_engine, days=a_period_of_its_own())
        made = await claim(client, as_, family)
        qa = {"note": "Evidence checked"}
        await post_ok(client, f"/claims/{made['id']}/quality-assurance", qa, as_(family.manager))
        batch_path = f"/claims/batches/{made['batch_id']}"
        submitted = await post_ok(client, f"{batch_path}/submit", {}, as_(SF))
        assert (submitted["status"], submitted["funding_model"], submitted["sampled"]) == (
            "submitted",
            "earned_autonomy",
            0,
        )
    finally:
        national = {**settings, "funding_model": "payment_by_results", "note": "Back again"}
        await post_ok(client, "/claims/settings", national, as_(admin))
