"""MITI 4.2.1 codings of sessions: measures against hand-computed values and the published
thresholds, by the worker or an observer, per worker and per team by month."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx

from intervention_api.practice import miti
from intervention_api.practice.service import months_back
from services.event_contracts import TeamSnapshot
from services.working_days import local_date
from tests.intervention.conftest import Headers, MakePrincipal
from tests.intervention.world import case_world, enrol
from tests.projection.factories import announce

# A coding whose measures were worked out by hand:
#   technical  = (4 + 3) / 2 = 3.5          fair (3 <= x < 4)
#   relational = (4 + 5) / 2 = 4.5          good (>= 4)
#   % complex reflections = 7 / (8 + 7) = 46.7%   fair (40 <= x < 50)
#   reflection-to-question = (8 + 7) / 10 = 1.5   fair (1 <= x < 2)
#   MI-adherent = seek 2 + affirm 3 + autonomy 1 = 6; non-adherent = confront 1 + persuade 2 = 3
#   MI-adherent share = 6 / (6 + 3) = 66.7%       (MITI 4 publishes no threshold)
WORKER_CODING = {
    "cultivating_change_talk": 4,
    "softening_sustain_talk": 3,
    "partnership": 4,
    "empathy": 5,
    "giving_information": 5,
    "persuade": 2,
    "persuade_with_permission": 1,
    "question": 10,
    "simple_reflection": 8,
    "complex_reflection": 7,
    "affirm": 3,
    "seeking_collaboration": 2,
    "emphasizing_autonomy": 1,
    "confront": 1,
}
# An observer's, harsher: technical 2, relational 3, reflections 2 simple of 5 questions.
OBSERVER_CODING = {
    **{name: 0 for name in WORKER_CODING},
    "cultivating_change_talk": 2,
    "softening_sustain_talk": 2,
    "partnership": 3,
    "empathy": 3,
    "question": 5,
    "simple_reflection": 2,
}


def measure(summary: dict[str, Any], name: str) -> tuple[Any, ...]:
    m = summary[name]
    return (m["value"], m["fair"], m["good"], m["rating"])


async def test_a_coded_session_shows_its_measures_against_the_thresholds(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    world = await case_world(client, as_, make_principal)
    enrolment = await enrol(client, as_, world)
    sessions = f"/cases/{world.case_id}/enrolments/{enrolment['id']}/sessions"
    held = local_date(datetime.now(UTC)).isoformat()
    logged = await client.post(
        sessions,
        json={
            "held_on": held,
            "attendance": "attended",
            "engagement": 3,
            "modules": ["module_1"],
            "summary": "First session.",
        },
        headers=as_(world.social_worker),
    )
    assert logged.status_code == 201, logged.text
    url = f"{sessions}/{logged.json()['id']}/codings"

    own = await client.post(url, json=WORKER_CODING, headers=as_(world.social_worker))
    assert own.status_code == 201, own.text
    coding = own.json()
    assert coding["coder_role"] == "worker"
    summary = coding["summary"]
    assert measure(summary, "technical_global") == (3.5, 3.0, 4.0, "fair")
    assert measure(summary, "relational_global") == (4.5, 3.5, 4.0, "good")
    assert measure(summary, "percent_complex_reflections") == (46.7, 40.0, 50.0, "fair")
    assert measure(summary, "reflection_to_question_ratio") == (1.5, 1.0, 2.0, "fair")
    assert measure(summary, "total_mi_adherent") == (6, None, None, None)
    assert measure(summary, "total_mi_non_adherent") == (3, None, None, None)
    assert measure(summary, "percent_mi_adherent") == (66.7, None, None, None)

    observed = await client.post(url, json=OBSERVER_CODING, headers=as_(world.manager))
    assert observed.status_code == 201, observed.text
    assert observed.json()["coder_role"] == "observer"
    assert measure(observed.json()["summary"], "percent_complex_reflections")[3] == "below_fair"
    # The observer coded neither kind of behaviour: no share to speak of.
    assert measure(observed.json()["summary"], "percent_mi_adherent")[0] is None
    twice = await client.post(url, json=WORKER_CODING, headers=as_(world.social_worker))
    assert twice.status_code == 409
    read = await client.get(url.removesuffix("/codings"), headers=as_(world.specialist))
    assert [c["coder_role"] for c in read.json()["codings"]] == ["worker", "observer"]

    # Pooled over both codings of the worker's month:
    #   technical (3.5 + 2) / 2 = 2.75 below fair; relational (4.5 + 3) / 2 = 3.75 fair;
    #   % complex 7 / (15 + 2) = 41.2 fair; R:Q 17 / 15 = 1.13 fair; adherent 6, non 3.
    month = held[:7]
    mine = await client.get("/practice/miti", headers=as_(world.social_worker))
    assert mine.status_code == 200, mine.text
    lines = [p for p in mine.json() if p["period"] == month]
    assert [p["worker_id"] for p in lines] == [str(world.social_worker.practitioner_id)]
    pooled = lines[0]["summary"]
    assert pooled["codings"] == 2
    assert measure(pooled, "technical_global") == (2.75, 3.0, 4.0, "below_fair")
    assert measure(pooled, "relational_global") == (3.75, 3.5, 4.0, "fair")
    assert measure(pooled, "percent_complex_reflections")[0] == 41.2
    assert measure(pooled, "reflection_to_question_ratio")[0] == 1.13
    assert measure(pooled, "total_mi_adherent")[0] == 6

    await announce(
        client,
        TeamSnapshot(team_id=world.team, name="Team Practice", code="TP", active=True, version=1),
    )
    team = await client.get(
        "/practice/miti",
        params={"group_by": "team", "team_id": str(world.team)},
        headers=as_(world.manager),
    )
    assert [(p["period"], p["team_id"]) for p in team.json()] == [(month, str(world.team))]
    assert team.json()[0]["summary"]["codings"] == 2
    assert team.json()[0]["name"] == "Team Practice"
    # A colleague's practice is not another practitioner's business; nor an auditor's.
    colleague = await client.get(
        "/practice/miti",
        params={"worker_id": str(world.social_worker.practitioner_id)},
        headers=as_(world.specialist),
    )
    assert colleague.json() == []
    assert (await client.get("/practice/miti", headers=as_(world.auditor))).status_code == 403
    assert (await client.get("/practice/miti")).status_code == 401


async def test_who_may_code_and_what_a_coding_must_hold(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    world = await case_world(client, as_, make_principal)
    enrolment = await enrol(client, as_, world)
    sessions = f"/cases/{world.case_id}/enrolments/{enrolment['id']}/sessions"
    logged = await client.post(
        sessions,
        json={
            "held_on": local_date(datetime.now(UTC)).isoformat(),
            "attendance": "attended",
            "engagement": 5,
            "summary": "Session.",
        },
        headers=as_(world.social_worker),
    )
    url = f"{sessions}/{logged.json()['id']}/codings"
    assert (await client.post(url, json=WORKER_CODING)).status_code == 401
    assert (
        await client.post(url, json=WORKER_CODING, headers=as_(world.auditor))
    ).status_code == 403
    assert (
        await client.post(url, json=WORKER_CODING, headers=as_(world.outsider))
    ).status_code == 404
    for bad in ({**WORKER_CODING, "empathy": 6}, {**WORKER_CODING, "question": -1}):
        response = await client.post(url, json=bad, headers=as_(world.specialist))
        assert response.status_code == 422


def test_months_back_counts_calendar_months() -> None:
    today = datetime(2026, 3, 15, tzinfo=UTC).date()
    assert months_back(today, 1).isoformat() == "2026-03-01"
    assert months_back(today, 4).isoformat() == "2025-12-01"


def test_ratios_without_their_denominator_are_none_not_zero() -> None:
    silent = SimpleNamespace(**{name: 0 for name in WORKER_CODING})
    silent.cultivating_change_talk = silent.softening_sustain_talk = 1
    silent.partnership = silent.empathy = 1
    measures = miti.measure([silent])
    assert measures.percent_complex_reflections is None
    assert measures.reflection_to_question_ratio is None
    assert measures.percent_mi_adherent is None
    assert (measures.technical_global, measures.relational_global) == (1.0, 1.0)
    assert miti.TECHNICAL.rate(measures.technical_global) == "below_fair"
    assert miti.RELATIONAL.rate(4.0) == "good"
    assert miti.RELATIONAL.rate(3.5) == "fair"
