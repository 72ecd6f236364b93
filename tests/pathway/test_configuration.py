"""The continuum as versioned configuration: defaults, publication by administrators only."""

from __future__ import annotations

import copy
from typing import Any

import httpx

from pathway_api.configuration.defaults import DEFAULT_CONFIGURATION
from tests.pathway.conftest import Headers
from tests.pathway.factories import problem
from tests.workbook.factories import principal

ADMIN = principal(discipline="administrator", roles=("administrator",))


def new_version(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(DEFAULT_CONFIGURATION)
    body.update(changes, note="Screen at two or more areas, as the county does")
    return body


async def test_the_defaults_are_in_force_until_a_version_is_published(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    reader = principal()
    response = await client.get("/configuration", headers=as_(reader))
    assert response.status_code == 200, response.text
    current = response.json()
    assert current["version"] >= 1
    first = (await client.get("/configuration/versions/1", headers=as_(reader))).json()
    assert [level["code"] for level in first["levels"]] == [
        "universal",
        "early_help",
        "targeted",
        "specialist",
    ]
    assert len(first["headline_areas"]) == 10
    assert first["eligibility"] == {
        "min_areas": 3,
        "requires_dependent_children_or_expectant_parent": True,
    }


async def test_administrators_publish_versions_and_earlier_ones_stay(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    before = (await client.get("/configuration", headers=as_(ADMIN))).json()
    body = new_version(eligibility={"min_areas": 2})
    response = await client.post("/configuration", json=body, headers=as_(ADMIN))
    assert response.status_code == 201, response.text
    published = response.json()
    assert published["version"] == before["version"] + 1
    assert published["eligibility"]["min_areas"] == 2
    assert response.headers["location"] == f"/configuration/versions/{published['version']}"
    old = await client.get(f"/configuration/versions/{before['version']}", headers=as_(ADMIN))
    assert old.json()["eligibility"] == before["eligibility"]


async def test_only_administrators_publish_and_nonsense_is_refused(
    client: httpx.AsyncClient, as_: Headers
) -> None:
    manager = principal(roles=("practitioner", "team_manager"))
    problem(await client.post("/configuration", json=new_version(), headers=as_(manager)), 403)
    problem(await client.post("/configuration", json=new_version()), 401)
    no_statutory = new_version(
        levels=[lv for lv in DEFAULT_CONFIGURATION["levels"] if lv["tier"] != "statutory"]
    )
    problem(await client.post("/configuration", json=no_statutory, headers=as_(ADMIN)), 422)
    too_many = new_version(eligibility={"min_areas": 11})
    problem(await client.post("/configuration", json=too_many, headers=as_(ADMIN)), 422)
    problem(await client.get("/configuration/versions/999999", headers=as_(ADMIN)), 404)
