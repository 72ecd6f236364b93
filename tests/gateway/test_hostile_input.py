"""Whatever a client sends, the answer is a 4xx problem, never a 500."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.gateway.conftest import DirectoryFactory

Auth = Callable[[str], dict[str, str]]
NUL_NAME = "a\x00"


def cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/directory/teams", {"name": "Nul\x00Team", "code": "NUL"}),
        ("POST", "/directory/teams", {"name": "x" * 201, "code": "X"}),
        ("POST", "/directory/teams", ["not", "an", "object"]),
        ("POST", "/directory/teams", "just a string"),
        (
            "POST",
            "/directory/practitioners",
            {"subject": "a\x00b", "display_name": "X", "discipline": "social_worker"},
        ),
        (
            "POST",
            "/directory/practitioners",
            {"subject": "s", "display_name": "X", "discipline": "social_worker", "roles": ["A!"]},
        ),
        (
            "POST",
            "/directory/practitioners",
            {"subject": "s", "display_name": "X", "discipline": "x", "email": "not-an-email"},
        ),
        (
            "POST",
            "/directory/practitioners",
            {"subject": "s", "display_name": "X", "discipline": "x", "roles": ["r"] * 17},
        ),
        ("GET", "/directory/teams/not-a-uuid", None),
        ("GET", "/directory/teams?cursor=" + cursor(NUL_NAME, str(uuid.uuid4())), None),
        ("GET", f"/directory/teams?cursor={cursor('a', 'not-a-uuid')}", None),
        ("GET", f"/directory/teams?cursor={cursor(1, 2)}", None),
        ("GET", "/directory/teams?cursor=%FF%FE", None),
        ("GET", "/directory/teams?cursor=" + "A" * 600, None),
        ("GET", "/directory/teams?limit=-1", None),
        ("GET", "/directory/teams?active=maybe", None),
        ("GET", "/directory/practitioners?team_id=nope", None),
        (
            "POST",
            f"/directory/practitioners/{uuid.uuid4()}/memberships",
            {"team_id": str(uuid.uuid4()), "valid_from": "2026-02-01", "valid_to": "2026-01-01"},
        ),
        (
            "POST",
            f"/directory/practitioners/{uuid.uuid4()}/memberships",
            {"team_id": str(uuid.uuid4()), "role_in_team": "overlord"},
        ),
    ],
)
async def test_hostile_directory_input_is_a_4xx_problem(
    gateway: httpx.AsyncClient,
    auth: Auth,
    directory: DirectoryFactory,
    method: str,
    path: str,
    body: object,
) -> None:
    admin = await directory.practitioner(roles=("administrator",))
    response = await gateway.request(method, path, headers=auth(admin.subject), json=body)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_malformed_json_and_idempotency_keys(
    gateway: httpx.AsyncClient, auth: Auth, directory: DirectoryFactory
) -> None:
    admin = await directory.practitioner(roles=("administrator",))
    headers = {**auth(admin.subject), "Content-Type": "application/json"}
    for content in (b"{", b"\xff\xfe", b'{"name": "a", "code": "b"' + b"}" * 5):
        response = await gateway.post("/directory/teams", headers=headers, content=content)
        assert response.status_code == 422, content
    response = await gateway.post(
        "/directory/teams",
        headers={**headers, "Idempotency-Key": "x" * 300},
        content=b'{"name": "a", "code": "b"}',
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    stale = await gateway.patch(
        f"/directory/teams/{await directory.team()}",
        headers={**headers, "If-Match": "\x7fgarbage"},
        content=b'{"active": false}',
    )
    assert stale.status_code == 412
