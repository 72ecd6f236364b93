"""Who may use which directory endpoint: anonymous 401, wrong role 403, other team 404."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.gateway.conftest import DirectoryFactory

Auth = Callable[[str], dict[str, str]]
SOME_ID = str(uuid.uuid4())

ENDPOINTS = [
    ("GET", "/me"),
    ("GET", "/directory/disciplines"),
    ("GET", "/directory/teams"),
    ("POST", "/directory/teams"),
    ("GET", f"/directory/teams/{SOME_ID}"),
    ("PATCH", f"/directory/teams/{SOME_ID}"),
    ("GET", "/directory/practitioners"),
    ("POST", "/directory/practitioners"),
    ("GET", f"/directory/practitioners/{SOME_ID}"),
    ("PATCH", f"/directory/practitioners/{SOME_ID}"),
    ("POST", f"/directory/practitioners/{SOME_ID}/deactivate"),
    ("POST", f"/directory/practitioners/{SOME_ID}/activate"),
    ("GET", f"/directory/practitioners/{SOME_ID}/memberships"),
    ("POST", f"/directory/practitioners/{SOME_ID}/memberships"),
    ("POST", f"/directory/practitioners/{SOME_ID}/memberships/{SOME_ID}/end"),
]
ADMIN_ONLY = [(method, path) for method, path in ENDPOINTS if method in ("POST", "PATCH")]
READERS = [
    ("GET", "/directory/teams"),
    ("GET", f"/directory/teams/{SOME_ID}"),
    ("GET", "/directory/practitioners"),
    ("GET", f"/directory/practitioners/{SOME_ID}"),
    ("GET", f"/directory/practitioners/{SOME_ID}/memberships"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
async def test_anonymous_is_401(gateway: httpx.AsyncClient, method: str, path: str) -> None:
    response = await gateway.request(method, path, json={})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path"), ADMIN_ONLY + READERS)
async def test_practitioner_role_is_403(
    gateway: httpx.AsyncClient, auth: Auth, directory: DirectoryFactory, method: str, path: str
) -> None:
    team = await directory.team()
    worker = await directory.practitioner(teams=[team])
    response = await gateway.request(method, path, headers=auth(worker.subject), json={})
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(("method", "path"), ADMIN_ONLY)
async def test_team_manager_cannot_change_the_directory(
    gateway: httpx.AsyncClient, auth: Auth, directory: DirectoryFactory, method: str, path: str
) -> None:
    team = await directory.team()
    manager = await directory.practitioner(roles=("practitioner", "team_manager"), manages=[team])
    response = await gateway.request(method, path, headers=auth(manager.subject), json={})
    assert response.status_code == 403


async def test_disciplines_are_reference_data_for_everyone(
    gateway: httpx.AsyncClient, auth: Auth, directory: DirectoryFactory
) -> None:
    worker = await directory.practitioner()
    response = await gateway.get("/directory/disciplines", headers=auth(worker.subject))
    assert response.status_code == 200
    by_code = {d["code"]: d for d in response.json()}
    assert by_code["da_victim_worker"]["is_adult_specialist"] is True
    assert by_code["social_worker"]["is_adult_specialist"] is False
    assert len(by_code) >= 14


async def test_team_manager_sees_only_their_own_team(
    gateway: httpx.AsyncClient, auth: Auth, directory: DirectoryFactory
) -> None:
    mine, theirs = await directory.team(), await directory.team()
    manager = await directory.practitioner(roles=("practitioner", "team_manager"), manages=[mine])
    colleague = await directory.practitioner(teams=[mine])
    stranger = await directory.practitioner(teams=[theirs])
    headers = auth(manager.subject)

    assert (await gateway.get(f"/directory/teams/{mine}", headers=headers)).status_code == 200
    other = await gateway.get(f"/directory/teams/{theirs}", headers=headers)
    assert other.status_code == 404
    missing = await gateway.get(f"/directory/teams/{uuid.uuid4()}", headers=headers)
    assert other.json()["detail"] == missing.json()["detail"]

    teams = await gateway.get("/directory/teams?limit=200", headers=headers)
    assert [t["id"] for t in teams.json()["items"]] == [str(mine)]

    people = await gateway.get("/directory/practitioners?limit=200", headers=headers)
    ids = {p["id"] for p in people.json()["items"]}
    assert ids == {str(manager.id), str(colleague.id)}
    filtered = await gateway.get(f"/directory/practitioners?team_id={theirs}", headers=headers)
    assert filtered.json()["items"] == []

    url = f"/directory/practitioners/{colleague.id}"
    assert (await gateway.get(url, headers=headers)).status_code == 200
    for path in (
        f"/directory/practitioners/{stranger.id}",
        f"/directory/practitioners/{stranger.id}/memberships",
    ):
        assert (await gateway.get(path, headers=headers)).status_code == 404


async def test_manager_role_without_managed_team_sees_nothing(
    gateway: httpx.AsyncClient, auth: Auth, directory: DirectoryFactory
) -> None:
    team = await directory.team()
    manager = await directory.practitioner(roles=("team_manager",), teams=[team])
    headers = auth(manager.subject)
    assert (await gateway.get("/directory/teams", headers=headers)).json()["items"] == []
    assert (await gateway.get(f"/directory/teams/{team}", headers=headers)).status_code == 404
