"""SCIM provisioning as Entra ID calls it: users, leavers, teams, and who may call at all."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.dev_keys import DevKeys, dev_scim_credential
from tests.gateway.conftest import SettingsFactory, open_gateway

SCIM = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
async def stack(
    gateway_settings: SettingsFactory,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with open_gateway(gateway_settings()) as (app, client):
        yield app, client


@pytest.fixture
def scim(dev_keys: DevKeys) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_scim_credential(dev_keys)}", "Content-Type": SCIM}


def entra_user(user_name: str, **extra: Any) -> dict[str, Any]:
    """A POST body as Entra's default attribute mappings send it."""
    return {
        "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": str(uuid.uuid4()),
        "userName": user_name,
        "active": True,
        "displayName": "Alex Taylor",
        "title": "Social Worker",
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "name": {"formatted": "Alex Taylor", "familyName": "Taylor", "givenName": "Alex"},
        "phoneNumbers": [{"type": "work", "value": "01632 960000"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "CSC"},
        **extra,
    }


def new_user_name() -> str:
    return f"alex.taylor.{uuid.uuid4().hex[:8]}@council.example"


async def test_entra_provisions_a_practitioner_who_can_then_sign_in(
    stack: tuple[FastAPI, httpx.AsyncClient],
    scim: dict[str, str],
    auth: Callable[[str], dict[str, str]],
) -> None:
    _, client = stack
    user_name = new_user_name()
    created = await client.post("/scim/v2/Users", headers=scim, json=entra_user(user_name))
    assert created.status_code == 201, created.text
    assert created.headers["content-type"] == SCIM
    body = created.json()
    assert body["userName"] == user_name
    assert body["active"] is True
    assert "title" not in body
    assert "phoneNumbers" not in body
    assert created.headers["location"].endswith(f"/scim/v2/Users/{body['id']}")

    # Entra looks users up by userName (any case) before it creates them.
    found = await client.get(
        "/scim/v2/Users", headers=scim, params={"filter": f'userName eq "{user_name.upper()}"'}
    )
    assert found.status_code == 200, found.text
    assert found.json()["totalResults"] == 1
    assert found.json()["Resources"][0]["id"] == body["id"]
    by_external = await client.get(
        "/scim/v2/Users", headers=scim, params={"filter": f'externalId eq "{body["externalId"]}"'}
    )
    assert by_external.json()["totalResults"] == 1

    me = await client.get("/me", headers=auth(user_name))
    assert me.status_code == 200, me.text
    assert me.json()["practitioner_id"] == body["id"]
    assert me.json()["discipline"] == "business_support"

    # The leaver: Entra sends active=false (as a string, as it does), and the next call fails.
    leaver = {
        "schemas": [PATCH],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
    }
    patched = await client.patch(f"/scim/v2/Users/{body['id']}", headers=scim, json=leaver)
    assert patched.status_code == 200, patched.text
    assert patched.json()["active"] is False
    refused = await client.get("/me", headers=auth(user_name))
    assert refused.status_code == 403


async def test_provisioning_is_audited_and_published(
    stack: tuple[FastAPI, httpx.AsyncClient],
    scim: dict[str, str],
    directory_engine: AsyncEngine,
) -> None:
    _, client = stack
    created = await client.post("/scim/v2/Users", headers=scim, json=entra_user(new_user_name()))
    user_id = created.json()["id"]
    removed = await client.delete(f"/scim/v2/Users/{user_id}", headers=scim)
    assert removed.status_code == 204
    assert (await client.get(f"/scim/v2/Users/{user_id}", headers=scim)).status_code == 404
    async with directory_engine.connect() as connection:
        audit = (
            await connection.execute(
                text(
                    "SELECT actor_subject, action FROM directory.audit_log"
                    " WHERE resource_id = :id ORDER BY position"
                ),
                {"id": user_id},
            )
        ).all()
        published = (
            (
                await connection.execute(
                    text(
                        "SELECT data->>'active' FROM directory.outbox_event"
                        " WHERE subject = :subject ORDER BY position"
                    ),
                    {"subject": f"practitioners/{user_id}"},
                )
            )
            .scalars()
            .all()
        )
    assert [tuple(row) for row in audit] == [
        ("scim:development", "directory.practitioner.created"),
        ("scim:development", "directory.practitioner.deleted"),
    ]
    assert published == ["true", "false"]


async def test_groups_are_teams_and_their_members(
    stack: tuple[FastAPI, httpx.AsyncClient],
    scim: dict[str, str],
    auth: Callable[[str], dict[str, str]],
) -> None:
    _, client = stack
    names = [new_user_name(), new_user_name()]
    ids = []
    for name in names:
        created = await client.post("/scim/v2/Users", headers=scim, json=entra_user(name))
        ids.append(created.json()["id"])
    team_name = f"FS Team {uuid.uuid4().hex[:8]}"
    group = await client.post(
        "/scim/v2/Groups",
        headers=scim,
        json={
            "schemas": [GROUP],
            "displayName": team_name,
            "externalId": str(uuid.uuid4()),
            "members": [{"value": ids[0]}],
        },
    )
    assert group.status_code == 201, group.text
    group_id = group.json()["id"]
    me = await client.get("/me", headers=auth(names[0]))
    assert me.json()["team_ids"] == [group_id]

    # Entra adds and removes members with PATCH, one operation each.
    add = {
        "schemas": [PATCH],
        "Operations": [{"op": "Add", "path": "members", "value": [{"value": ids[1]}]}],
    }
    assert (
        await client.patch(f"/scim/v2/Groups/{group_id}", headers=scim, json=add)
    ).status_code == 200
    remove = {
        "schemas": [PATCH],
        "Operations": [{"op": "Remove", "path": f'members[value eq "{ids[0]}"]'}],
    }
    after = await client.patch(f"/scim/v2/Groups/{group_id}", headers=scim, json=remove)
    assert after.status_code == 200, after.text
    assert [m["value"] for m in after.json()["members"]] == [ids[1]]
    assert (await client.get("/me", headers=auth(names[0]))).json()["team_ids"] == []
    assert (await client.get("/me", headers=auth(names[1]))).json()["team_ids"] == [group_id]

    found = await client.get(
        "/scim/v2/Groups",
        headers=scim,
        params={"filter": f'displayName eq "{team_name}"', "excludedAttributes": "members"},
    )
    assert found.json()["totalResults"] == 1
    assert "members" not in found.json()["Resources"][0]
    clash = await client.post(
        "/scim/v2/Groups", headers=scim, json={"schemas": [GROUP], "displayName": team_name}
    )
    assert clash.status_code == 409
    assert clash.json()["scimType"] == "uniqueness"


@pytest.mark.parametrize("credential", [None, "not-a-credential", "practitioner-token"])
async def test_only_a_scim_credential_reaches_scim(
    stack: tuple[FastAPI, httpx.AsyncClient],
    auth: Callable[[str], dict[str, str]],
    credential: str | None,
) -> None:
    _, client = stack
    headers: dict[str, str] = {}
    if credential == "practitioner-token":
        headers = auth("demo-administrator")
    elif credential is not None:
        headers = {"Authorization": f"Bearer {credential}"}
    response = await client.get("/scim/v2/Users", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == SCIM
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


async def test_bad_requests_get_scim_errors(
    stack: tuple[FastAPI, httpx.AsyncClient], scim: dict[str, str]
) -> None:
    _, client = stack
    bad_filter = await client.get("/scim/v2/Users", headers=scim, params={"filter": "title eq 1"})
    assert bad_filter.status_code == 400
    assert bad_filter.json()["scimType"] == "invalidFilter"
    no_name = await client.post("/scim/v2/Users", headers=scim, json={"schemas": [USER]})
    assert no_name.status_code == 400
    not_json = await client.post("/scim/v2/Users", headers=scim, content=b"[1, 2")
    assert not_json.status_code == 400
    # Not UTF-8 at all: FastAPI refuses to read it, and SCIM still answers in its own format.
    for method in ("POST", "PUT", "PATCH"):
        path = "/scim/v2/Users" if method == "POST" else f"/scim/v2/Users/{uuid.uuid4()}"
        not_text = await client.request(
            method,
            path,
            headers={**scim, "Content-Type": "application/scim+json"},
            content=b"\xef\x90{}",
        )
        assert not_text.status_code == 400, method
        assert not_text.headers["content-type"] == SCIM
        assert not_text.json()["scimType"] == "invalidSyntax"
    missing = await client.get(f"/scim/v2/Users/{uuid.uuid4()}", headers=scim)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == SCIM


async def test_lists_page_and_select_attributes_as_rfc_7644_says(
    stack: tuple[FastAPI, httpx.AsyncClient], scim: dict[str, str]
) -> None:
    _, client = stack
    for _ in range(3):
        made = await client.post("/scim/v2/Users", headers=scim, json=entra_user(new_user_name()))
        assert made.status_code == 201, made.text

    async def page(**params: Any) -> dict[str, Any]:
        response = await client.get("/scim/v2/Users", headers=scim, params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    everyone = await page()
    total = everyone["totalResults"]
    assert total >= 3

    second = await page(startIndex=2, count=2)
    assert (second["startIndex"], second["itemsPerPage"]) == (2, 2)
    assert second["totalResults"] == total
    assert [r["id"] for r in second["Resources"]] == [r["id"] for r in everyone["Resources"][1:3]]

    # A count of 0 asks only for the total; a startIndex below 1 is read as 1 (3.4.2.4).
    counted = await page(count=0)
    assert counted["totalResults"] == total
    assert counted.get("Resources", []) == []
    assert (await page(startIndex=0, count=1))["startIndex"] == 1

    # Only the attributes asked for come back, besides those always returned (id).
    chosen = await page(count=1, attributes="userName")
    assert set(chosen["Resources"][0]) <= {"id", "userName", "schemas"}
    assert "userName" in chosen["Resources"][0]
    left_out = await page(count=1, excludedAttributes="emails")
    assert "emails" not in left_out["Resources"][0]
    assert "userName" in left_out["Resources"][0]
