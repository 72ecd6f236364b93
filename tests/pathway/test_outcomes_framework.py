"""The outcomes frameworks as versioned configuration, and who may read figures at all."""

from __future__ import annotations

import copy
import uuid

import httpx
import pytest

from pathway_api.outcomes.defaults import FAMILY_SAFEGUARDING, NORFOLK
from tests.pathway.conftest import Headers
from tests.pathway.factories import problem
from tests.pathway.outcomes_factories import ADMIN, COUNCIL, new_team, this_month
from tests.workbook.factories import manager_of, principal

pytestmark = pytest.mark.usefixtures("outcome_defaults")


async def test_the_county_framework_has_four_outcomes_and_22_measures(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    response = await client.get("/outcomes/frameworks/norfolk", headers=as_(principal()))
    assert response.status_code == 200, response.text
    norfolk = response.json()
    assert len(norfolk["outcomes"]) == 4
    assert len(norfolk["measures"]) == 22
    for measure in norfolk["measures"]:
        assert measure["direction"] in ("minimise", "maximise")
        assert measure["definition"]
        assert measure["source"]["kind"] in ("computed", "import")
    by_code = {m["code"]: m for m in norfolk["measures"]}
    assert by_code["child_protection"]["source"] == {
        "kind": "computed",
        "rule": "open_family_safeguarding",
        "area": None,
    }
    assert by_code["eet"]["direction"] == "maximise"
    assert by_code["school_absence"]["source"]["kind"] == "import"
    listed = (await client.get("/outcomes/frameworks", headers=as_(principal()))).json()
    assert [f["code"] for f in listed] == ["norfolk", "family_safeguarding"]
    # Another test may have published a version; the first versions are the defaults.
    for code, measures in (("norfolk", 22), ("family_safeguarding", 6)):
        first = await client.get(
            f"/outcomes/frameworks/{code}/versions/1", headers=as_(principal())
        )
        assert len(first.json()["measures"]) == measures


async def test_administrators_publish_versions_and_figures_name_the_one_used(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    before = (
        await client.get("/outcomes/frameworks/family_safeguarding", headers=as_(ADMIN))
    ).json()
    body = copy.deepcopy(FAMILY_SAFEGUARDING)
    body["measures"] = [m for m in body["measures"] if m["code"] != "adult_ae_admissions"]
    body["note"] = "A&E admissions are not matched yet"
    refused = await client.post(
        "/outcomes/frameworks/family_safeguarding", json=body, headers=as_(manager_of(uuid.uuid4()))
    )
    problem(refused, 403)
    response = await client.post(
        "/outcomes/frameworks/family_safeguarding", json=body, headers=as_(ADMIN)
    )
    assert response.status_code == 201, response.text
    published = response.json()
    assert published["version"] == before["version"] + 1
    assert response.headers["location"].endswith(f"/versions/{published['version']}")
    old = await client.get(
        f"/outcomes/frameworks/family_safeguarding/versions/{before['version']}",
        headers=as_(ADMIN),
    )
    assert len(old.json()["measures"]) == len(before["measures"])
    problem(
        await client.get(
            "/outcomes/frameworks/family_safeguarding/versions/999", headers=as_(ADMIN)
        ),
        404,
    )
    team = await new_team(client)
    figures = (
        await client.get(
            "/outcomes/figures",
            params={"framework": "family_safeguarding", "from": this_month()},
            headers=as_(team.manager),
        )
    ).json()
    assert figures["framework_version"] == published["version"]
    assert {m["definition_version"] for m in figures["measures"]} == {published["version"]}
    assert "adult_ae_admissions" not in {m["code"] for m in figures["measures"]}


async def test_a_framework_whose_measure_names_no_outcome_is_refused(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    body = copy.deepcopy(NORFOLK)
    body["measures"][0]["outcome"] = "nowhere"
    body["note"] = "A typo"
    response = await client.post("/outcomes/frameworks/norfolk", json=body, headers=as_(ADMIN))
    problem(response, 422)
    rule_without_area = copy.deepcopy(NORFOLK)
    rule_without_area["measures"][1]["source"]["area"] = None
    rule_without_area["note"] = "No area"
    response = await client.post(
        "/outcomes/frameworks/norfolk", json=rule_without_area, headers=as_(ADMIN)
    )
    problem(response, 422)


async def test_who_reads_figures(client: httpx.AsyncClient, as_: Headers) -> None:
    team = await new_team(client)
    for path in ("/outcomes/figures", "/reports/outcomes"):
        problem(await client.get(path), 401)
        for refused in (
            principal(teams=(team.id,)),
            principal(discipline="auditor", roles=("auditor",), teams=(team.id,)),
            ADMIN,
            principal(discipline="business_support", roles=("system",)),
        ):
            problem(await client.get(path, headers=as_(refused)), 403)
        assert (await client.get(path, headers=as_(team.manager))).status_code == 200
        assert (await client.get(path, headers=as_(COUNCIL))).status_code == 200
        # Another team's figures do not exist for a manager; the council sees any team's.
        other = {"team_id": str(uuid.uuid4())}
        problem(await client.get(path, params=other, headers=as_(team.manager)), 404)
        mine = {"team_id": str(team.id)}
        assert (await client.get(path, params=mine, headers=as_(COUNCIL))).status_code == 200
    problem(
        await client.post(
            "/outcomes/imports",
            json={"dataset": "exclusions", "period": this_month(), "source": "x" * 5, "csv": "a"},
        ),
        401,
    )


async def test_bad_months_are_problems(client: httpx.AsyncClient, as_: Headers) -> None:
    team = await new_team(client)
    for params in (
        {"from": "2026-13"},
        {"from": "0000-01"},
        {"from": "2026-05", "to": "2026-01"},
        {"from": "2020-01", "to": "2026-01"},
        {"framework": "elsewhere"},
    ):
        response = await client.get("/outcomes/figures", params=params, headers=as_(team.manager))
        problem(response, 422)
