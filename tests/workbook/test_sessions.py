"""MDT session logs: fields from the discipline configuration, restricted detail, lifecycle."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.settings import KernelSettings
from tests.conftest import running
from tests.workbook.conftest import Headers
from tests.workbook.factories import (
    CaseWorld,
    allocate,
    case_world,
    if_match,
    log_session,
    member_id,
    principal,
    register_practitioner,
    session_body,
)
from workbook_api.app import create_app
from workbook_api.disciplines.config import DEFAULT_CONFIG_PATH


def sessions_url(world: CaseWorld, *rest: str) -> str:
    return "/".join([f"/cases/{world.case_id}/sessions", *rest])


TEST_RESULTS = {
    "attendance": "attended",
    "test_taken": True,
    "test_type": "oral_fluid",
    "test_result": "positive",
    "substances_detected": ["cocaine", "cannabis"],
}


async def test_recovery_worker_logs_test_results_as_restricted_detail(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    recovery = world.specialists["recovery_worker"]
    response = await client.post(
        sessions_url(world),
        json=session_body(
            world,
            fields={**TEST_RESULTS, "session_focus": "Relapse prevention"},
            narrative="Discussed the positive result and triggers.",
            shareable_summary="Session attended; recovery plan reviewed.",
            finalise=True,
        ),
        headers=as_(recovery),
    )
    assert response.status_code == 201, response.text
    log = response.json()
    assert log["entry_type"] == "mdt_session"
    assert log["discipline"] == "recovery_worker"
    assert log["sensitivity"] == "restricted"  # restricted fields make the entry restricted
    assert log["fields"] == {"attendance": "attended", "session_focus": "Relapse prevention"}
    assert log["restricted_fields"]["test_result"] == "positive"
    assert log["config_version"] == "2026.11-default.1"
    assert response.headers["location"] == f"/cases/{world.case_id}/entries/{log['id']}"

    da_worker = as_(world.specialists["da_victim_worker"])
    seen = (await client.get(sessions_url(world, log["id"]), headers=da_worker)).json()
    assert seen["restricted_fields"] is None
    assert seen["narrative"] is None
    assert seen["detail_withheld"] is True
    assert seen["restricted"] is True
    assert seen["fields"]["attendance"] == "attended"
    assert seen["shareable_summary"] == "Session attended; recovery plan reviewed."
    for allowed in (world.social_worker, world.manager):
        full = (await client.get(sessions_url(world, log["id"]), headers=as_(allowed))).json()
        assert full["restricted_fields"]["substances_detected"] == ["cocaine", "cannabis"]


async def test_same_discipline_colleague_sees_the_detail(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    second = principal(discipline="recovery_worker", teams=(world.team_id,))
    await allocate(client, as_(world.manager), world.case_id, second)
    log = await log_session(
        client,
        as_(world.specialists["recovery_worker"]),
        world,
        fields=TEST_RESULTS,
        shareable_summary="Attended.",
    )
    seen = (await client.get(sessions_url(world, log["id"]), headers=as_(second))).json()
    assert seen["restricted_fields"]["test_result"] == "positive"


async def test_allocation_recorded_in_the_wrong_discipline_opens_no_detail(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    # Allocated as a recovery worker, as the directory then said; the directory has since
    # moved them to family support (and their token says so).
    mislabelled = principal(discipline="family_support_worker", teams=(world.team_id,))
    await register_practitioner(client, mislabelled, discipline="recovery_worker")
    allocated = await client.post(
        f"/cases/{world.case_id}/allocations",
        json={"practitioner_id": str(mislabelled.practitioner_id), "discipline": "recovery_worker"},
        headers=as_(world.manager),
    )
    assert allocated.status_code == 201, allocated.text
    await register_practitioner(client, mislabelled, version=2)
    log = await log_session(
        client,
        as_(world.specialists["recovery_worker"]),
        world,
        fields=TEST_RESULTS,
        shareable_summary="Attended.",
    )

    seen = (await client.get(sessions_url(world, log["id"]), headers=as_(mislabelled))).json()

    assert seen["detail_withheld"] is True
    assert seen["restricted_fields"] is None


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"attendance": "attended", "favourite_colour": "blue"}, "favourite_colour", "unknown"),
        ({"attendance": "maybe"}, "attendance", "choice"),
        ({"attendance": "attended", "test_taken": "yes"}, "test_taken", "bool"),
        ({"attendance": "attended", "units_per_week": "ten"}, "units_per_week", "number"),
        ({"attendance": "attended", "units_per_week": True}, "units_per_week", "number"),
        ({"attendance": "attended", "units_per_week": -1}, "units_per_week", "minimum"),
        ({"attendance": "attended", "tools_used": "genogram"}, "tools_used", "multi_choice"),
        ({"attendance": "attended", "tools_used": ["tarot"]}, "tools_used", "choice"),
        ({"attendance": "attended", "next_session_date": "next week"}, "next_session_date", "date"),
        (
            {"attendance": "attended", "next_session_date": "2026-02-30"},
            "next_session_date",
            "date",
        ),
        ({"attendance": "attended", "session_focus": "x" * 501}, "session_focus", "text_length"),
        (
            {"attendance": "attended", "risk_indicators": ["escalation"]},
            "risk_indicators",
            "unknown",
        ),
        ({}, "attendance", "missing"),
    ],
)
async def test_fields_are_validated_against_the_configuration(
    client: httpx.AsyncClient,
    as_: Headers,
    fields: dict[str, Any],
    field: str,
    code: str,
) -> None:
    world = await case_world(client, as_)
    response = await client.post(
        sessions_url(world),
        json=session_body(world, fields=fields, shareable_summary="s", finalise=True),
        headers=as_(world.specialists["recovery_worker"]),
    )
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert {"location": ["body", "fields", field], "code": code} in [
        {"location": e["location"], "code": e["code"]} for e in errors
    ]
    assert "tarot" not in response.text
    assert "blue" not in response.text


async def test_each_discipline_has_its_own_fields(client: httpx.AsyncClient, as_: Headers) -> None:
    world = await case_world(client, as_)
    da = await log_session(
        client,
        as_(world.specialists["da_victim_worker"]),
        world,
        fields={
            "attendance": "attended",
            "risk_indicators": ["escalation", "coercive_control"],
            "dash_risk_level": "high",
            "safety_plan_reviewed": True,
        },
        shareable_summary="Safety planning continued.",
    )
    assert da["fields"]["safety_plan_reviewed"] is True
    assert da["restricted_fields"]["dash_risk_level"] == "high"
    listed = await client.get(
        sessions_url(world) + "?discipline=da_victim_worker", headers=as_(world.social_worker)
    )
    assert [i["id"] for i in listed.json()["items"]] == [da["id"]]


async def test_partial_draft_then_required_fields_on_finalise(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    worker = as_(world.specialists["recovery_worker"])
    draft = await log_session(
        client, worker, world, finalise=False, fields={"session_focus": "Cut down plan"}
    )
    assert draft["status"] == "draft"
    entry_url = f"/cases/{world.case_id}/entries/{draft['id']}"
    refused = await client.post(f"{entry_url}/finalise", headers=if_match(worker, draft["etag"]))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["location"] == ["body", "fields", "attendance"]
    patched = await client.patch(
        entry_url,
        json={"fields": {"attendance": "did_not_attend"}},
        headers=if_match(worker, draft["etag"]),
    )
    assert patched.status_code == 200, patched.text
    final = await client.post(
        f"{entry_url}/finalise", headers=if_match(worker, patched.headers["etag"])
    )
    assert final.status_code == 200, final.text
    assert final.json()["fields"] == {"attendance": "did_not_attend"}


async def test_session_is_amended_through_the_entry(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    worker = as_(world.specialists["recovery_worker"])
    log = await log_session(client, worker, world)
    amended = await client.post(
        f"/cases/{world.case_id}/entries/{log['id']}/amendments",
        json={
            "reason": "Result came back from the lab",
            "fields": {**TEST_RESULTS, "test_result": "negative"},
            "shareable_summary": "Attended; test taken.",
        },
        headers=if_match(worker, log["etag"]),
    )
    assert amended.status_code == 200, amended.text
    assert amended.json()["restricted_fields"]["test_result"] == "negative"
    assert amended.json()["revision"] == 2


async def test_restricted_fields_cannot_be_declared_standard(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    response = await client.post(
        sessions_url(world),
        json=session_body(world, fields=TEST_RESULTS, sensitivity="standard"),
        headers=as_(world.specialists["recovery_worker"]),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["body", "sensitivity"]


async def test_session_is_with_an_adult_of_the_family(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    worker = as_(world.specialists["recovery_worker"])
    for people in ([member_id(world, "child")], [], [str(uuid.uuid4())]):
        response = await client.post(
            sessions_url(world), json=session_body(world, person_ids=people), headers=worker
        )
        assert response.status_code == 422, people


async def test_discipline_without_configuration_cannot_log_sessions(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    response = await client.post(
        sessions_url(world), json=session_body(world), headers=as_(world.social_worker)
    )
    assert response.status_code == 403


async def test_recording_config_is_published(client: httpx.AsyncClient, as_: Headers) -> None:
    response = await client.get("/recording-config", headers=as_(principal()))
    assert response.status_code == 200
    config = response.json()
    assert config["version"] == "2026.11-default.1"
    assert "test_result" in config["disciplines"]["recovery_worker"]["fields"]
    assert (await client.get("/recording-config")).status_code == 401


async def test_a_council_configuration_replaces_the_default(
    kernel_settings: KernelSettings,
    as_: Headers,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = json.loads(DEFAULT_CONFIG_PATH.read_text())
    config["version"] = "council-7"
    config["disciplines"]["recovery_worker"]["fields"]["breathalyser_reading"] = {
        "type": "number",
        "label": "Breath alcohol (µg/100ml)",
        "restricted": True,
        "minimum": 0,
    }
    path = tmp_path / "recording.json"
    path.write_text(json.dumps(config))
    monkeypatch.setenv("FSM_WORKBOOK_RECORDING_CONFIG", str(path))
    async with running(create_app(kernel_settings)) as council:
        world = await case_world(council, as_)
        log = await log_session(
            council,
            as_(world.specialists["recovery_worker"]),
            world,
            fields={"attendance": "attended", "breathalyser_reading": 12.5},
            shareable_summary="Attended.",
        )
    assert log["config_version"] == "council-7"
    assert log["restricted_fields"] == {"breathalyser_reading": 12.5}


async def test_every_session_endpoint_refuses_anonymous_wrong_role_and_other_teams(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    world = await case_world(client, as_)
    log = await log_session(client, as_(world.specialists["recovery_worker"]), world)
    administrator = principal(discipline="administrator", roles=("administrator",))
    calls = [
        ("POST", sessions_url(world), session_body(world)),
        ("GET", sessions_url(world), None),
        ("GET", sessions_url(world, log["id"]), None),
    ]
    for method, path, body in calls:
        assert (await client.request(method, path, json=body)).status_code == 401
        wrong = await client.request(method, path, json=body, headers=as_(administrator))
        assert wrong.status_code == 403
        for stranger in (world.outsider, world.outsider_manager):
            other = await client.request(method, path, json=body, headers=as_(stranger))
            assert other.status_code == 404, (method, path)
    plain_entry = await client.get(
        sessions_url(world, str(uuid.uuid4())), headers=as_(world.social_worker)
    )
    assert plain_entry.status_code == 404
