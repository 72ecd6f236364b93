"""Before an early help assessment: the check for an assessment under way elsewhere on the
family (its open Family Safeguarding case, as during a step down)."""

from __future__ import annotations

import uuid

import httpx

from services.event_contracts import TeamSnapshot
from tests.pathway.conftest import Headers, Record
from tests.pathway.factories import (
    TO_PATHWAY,
    Relay,
    consent_body,
    early_help_family,
    move,
    post_ok,
    problem,
)
from tests.projection.factories import announce
from tests.workbook.factories import principal


async def test_an_assessment_waits_for_the_team_holding_the_familys_statutory_case(
    client: httpx.AsyncClient, record: Record, as_: Headers
) -> None:
    family = await early_help_family(client, record)
    lead = as_(family.lead)
    await move(client, family, as_, "consent")
    await post_ok(client, family.path("/consents"), consent_body(family), lead)
    to_assessment = {"to": "assessment", "reason": "Whole-family assessment"}
    # Nothing elsewhere: the assessment starts at once.
    alone = await early_help_family(client, record)
    await move(client, alone, as_, "consent")
    await post_ok(client, alone.path("/consents"), consent_body(alone), as_(alone.lead))
    await post_ok(client, alone.path("/involvement/transitions"), to_assessment, as_(alone.lead))
    # The family's Family Safeguarding case, held by another team (a step down's overlap).
    statutory_team = uuid.uuid4()
    await announce(
        client,
        TeamSnapshot(
            team_id=statutory_team, name="Safeguarding East", code="SE", active=True, version=1
        ),
    )
    system = principal(discipline="system", roles=("system",))
    statutory = await post_ok(
        record.workbook,
        "/cases",
        {
            "family_id": str(family.case.family_id),
            "owning_team_id": str(statutory_team),
            "reason": "Child protection plan",
            "kind": "family_safeguarding",
        },
        record.as_wb(system),
    )
    await Relay(record.engine)("workbook", TO_PATHWAY, client, f"cases/{statutory['id']}%")
    path = family.path("/involvement/transitions")

    refused = problem(await client.post(path, json=to_assessment, headers=lead), 409)

    assert refused["type"].endswith("assessment-held-elsewhere")
    assert refused["held_elsewhere"] == [
        {
            "case_id": statutory["id"],
            "kind": "family_safeguarding",
            "team_id": str(statutory_team),
            "team_name": "Safeguarding East",
            "stage": None,
        }
    ]
    assert "Safeguarding East" in refused["detail"]
    stray = {**to_assessment, "coordinated_with": [str(uuid.uuid4())]}
    [error] = problem(await client.post(path, json=stray, headers=lead), 422)["errors"]
    assert (error["location"], error["code"]) == (
        ["body", "coordinated_with"],
        "not_held_elsewhere",
    )
    agreed = {**to_assessment, "coordinated_with": [statutory["id"]]}
    moved = await post_ok(client, path, agreed, lead)
    assert moved["stage"] == "assessment"
    [*_, change] = moved["history"]
    assert change["reason"] == (
        f"Whole-family assessment (agreed with Family Safeguarding case {statutory['id']} "
        "held by Safeguarding East)"
    )
