"""The programme catalogue: administrators load versions from YAML or JSON; bad files change
nothing and name the line and field at fault."""

from __future__ import annotations

import uuid

import httpx

from intervention_api.catalogue import EXAMPLE_CATALOGUE
from tests.intervention.catalogue import load, programme, programme_code
from tests.intervention.conftest import Headers, MakePrincipal

ADMIN_ROLES = ("administrator",)


async def _versions(client: httpx.AsyncClient, headers: dict[str, str], code: str) -> list[int]:
    listed = await client.get("/programmes", params={"code": code}, headers=headers)
    assert listed.status_code == 200, listed.text
    return [item["version"] for item in listed.json()]


async def test_an_administrator_loads_versions_of_a_programme_that_everyone_reads(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    admin = make_principal(discipline="business_support", roles=ADMIN_ROLES)
    worker = make_principal()
    code = programme_code()

    first = await load(client, as_(admin), programme(code, modules=2))
    assert first.status_code == 201, first.text
    second = await load(client, as_(admin), programme(code, modules=3))
    assert second.status_code == 201, second.text

    assert first.json()["version"] == 1
    assert second.json()["version"] == 2
    assert first.headers["Location"] == f"/programmes/{first.json()['id']}"
    assert await _versions(client, as_(worker), code) == [2, 1]
    latest = await client.get(
        "/programmes", params={"code": code, "latest": "true"}, headers=as_(worker)
    )
    assert [item["version"] for item in latest.json()] == [2]
    one = await client.get(f"/programmes/{first.json()['id']}", headers=as_(worker))
    assert one.status_code == 200
    body = one.json()
    assert [m["code"] for m in body["modules"]] == ["module_1", "module_2"]
    assert body["modules"][0]["tools"][1] == {
        "code": "tool_1_b",
        "title": "Tool 1 B",
        "description": None,
    }
    assert body["notice"] == "A test catalogue."


async def test_the_example_catalogue_loads_as_yaml_and_says_it_is_an_example(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    admin = make_principal(discipline="business_support", roles=ADMIN_ROLES)
    text = EXAMPLE_CATALOGUE.read_text()
    response = await load(client, as_(admin), text, "application/yaml")
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["modules"]) == 8
    assert "example" in body["notice"].lower()
    assert "example" in body["title"].lower()


async def test_a_malformed_file_names_its_line_and_field_and_changes_nothing(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    admin = make_principal(discipline="business_support", roles=ADMIN_ROLES)
    code = programme_code()
    assert (await load(client, as_(admin), programme(code))).status_code == 201
    bad = f"""code: {code}
title: Test programme
modules:
  - code: module_1
    title: Module 1
    aims: [Keep the children safe]
    suggested_sessions: many
    tools:
      - code: Tool-A
        title: Tool A
"""
    response = await load(client, as_(admin), bad, "application/yaml")

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = {(e["line"], e["field"]) for e in response.json()["errors"]}
    assert errors == {(7, "modules[0].suggested_sessions"), (9, "modules[0].tools[0].code")}
    assert all(e["message"].startswith("Line ") for e in response.json()["errors"])
    assert await _versions(client, as_(admin), code) == [1]


async def test_unreadable_files_name_the_line_where_reading_stopped(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    admin = make_principal(discipline="business_support", roles=ADMIN_ROLES)
    broken_json = '{\n  "code": "x",\n  "title": "T",\n  "modules": [\n}\n'
    response = await load(client, as_(admin), broken_json)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["line"] == 5

    duplicated = programme()
    duplicated["modules"][1]["code"] = "module_1"
    response = await load(client, as_(admin), duplicated)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "modules[1].code"

    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, "
        f"*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}]\n"
        for n in range(8)
    )
    python_object = "code: !!python/object/apply:os.system ['true']\n"
    for text in ("", "- just\n- a list\n", "code: [unclosed\n", laughs, python_object):
        response = await load(client, as_(admin), text, "application/yaml")
        assert response.status_code == 422, (text, response.text)


async def test_a_missing_member_is_reported_at_the_line_of_its_parent(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    admin = make_principal(discipline="business_support", roles=ADMIN_ROLES)
    text = "code: incomplete\ntitle: T\nmodules:\n  - code: m\n    title: M\n    aims: [a]\n"
    response = await load(client, as_(admin), text, "application/yaml")
    assert response.status_code == 422
    assert [(e["line"], e["field"]) for e in response.json()["errors"]] == [
        (4, "modules[0].suggested_sessions")
    ]


async def test_only_administrators_load_catalogues(
    client: httpx.AsyncClient, as_: Headers, make_principal: MakePrincipal
) -> None:
    manager = make_principal(roles=("practitioner", "team_manager"), manages=(uuid.uuid4(),))
    response = await load(client, as_(manager), programme())
    assert response.status_code == 403
    anonymous = await client.post(
        "/programmes", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert anonymous.status_code == 401
    assert (await client.get("/programmes")).status_code == 401
    admin = make_principal(discipline="business_support", roles=ADMIN_ROLES)
    wrong_media = await load(client, as_(admin), programme(), "text/plain")
    assert wrong_media.status_code == 415
    missing = await client.get(f"/programmes/{uuid.uuid4()}", headers=as_(manager))
    assert missing.status_code == 404
