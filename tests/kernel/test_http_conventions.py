"""The HTTP conventions every service shares: problem details, identity, request ids, pages."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from services.pagination import encode_cursor
from services.principal import Principal

PROBLEM = "application/problem+json"


async def test_anonymous_request_is_401_problem_with_bearer_challenge(
    widget_client: httpx.AsyncClient,
) -> None:
    response = await widget_client.get("/widgets")

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


@pytest.mark.parametrize(
    "header",
    ["X-Remote-User", "X-FSM-Subject", "X-Forwarded-User", "X-User-Id", "X-Principal"],
)
async def test_identity_headers_are_refused_even_with_a_valid_token(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]], header: str
) -> None:
    response = await widget_client.get("/widgets", headers={**as_user(), header: "admin"})

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


async def test_token_minted_for_another_service_is_refused(
    widget_client: httpx.AsyncClient,
    make_principal: Callable[..., Principal],
    internal_headers: Callable[[Principal, str], dict[str, str]],
) -> None:
    response = await widget_client.get(
        "/widgets", headers=internal_headers(make_principal(), "workbook")
    )

    assert response.status_code == 401


async def test_a_raw_bearer_token_that_is_not_the_gateways_is_refused(
    widget_client: httpx.AsyncClient,
) -> None:
    response = await widget_client.get("/widgets", headers={"Authorization": "Bearer abc.def.ghi"})

    assert response.status_code == 401


async def test_health_endpoints_need_no_token(widget_client: httpx.AsyncClient) -> None:
    assert (await widget_client.get("/healthz")).json() == {"status": "ok"}
    assert (await widget_client.get("/readyz")).json() == {"status": "ready"}


async def test_validation_error_is_422_problem_naming_the_field_without_echoing_it(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    secret = "narrative that must not be echoed " * 10
    response = await widget_client.post(
        "/widgets", json={"name": secret, "extra": 1}, headers=as_user()
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    locations = [e["location"] for e in body["errors"]]
    assert ["body", "name"] in locations
    assert ["body", "extra"] in locations
    assert "narrative that must not be echoed" not in response.text


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"[1,2,3]", "application/json"),
        (b"name=a", "application/x-www-form-urlencoded"),
    ],
)
async def test_malformed_bodies_are_client_errors(
    widget_client: httpx.AsyncClient,
    as_user: Callable[[], dict[str, str]],
    content: bytes,
    content_type: str,
) -> None:
    response = await widget_client.post(
        "/widgets", content=content, headers={**as_user(), "Content-Type": content_type}
    )

    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == PROBLEM


async def test_unknown_route_and_wrong_method_are_problems(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    missing = await widget_client.get("/nothing-here", headers=as_user())
    wrong = await widget_client.delete("/widgets", headers=as_user())

    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    assert wrong.status_code == 405
    assert wrong.headers["content-type"] == PROBLEM


async def test_malformed_path_id_is_422_not_500(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    response = await widget_client.get("/widgets/not-a-uuid", headers=as_user())

    assert response.status_code == 422


async def test_request_id_is_kept_when_well_formed_and_minted_otherwise(
    widget_client: httpx.AsyncClient,
) -> None:
    kept = await widget_client.get("/healthz", headers={"X-Request-ID": "trace-1234567890"})
    replaced = await widget_client.get("/healthz", headers={"X-Request-ID": "bad id\twith junk"})
    minted = await widget_client.get("/healthz")

    assert kept.headers["x-request-id"] == "trace-1234567890"
    assert replaced.headers["x-request-id"] != "bad id\twith junk"
    assert len(minted.headers["x-request-id"]) == 36


async def test_keyset_pages_cover_every_item_once(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    headers = as_user()
    created = set()
    for n in range(5):
        response = await widget_client.post("/widgets", json={"name": f"w{n}"}, headers=headers)
        created.add(response.json()["id"])

    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = (await widget_client.get("/widgets", params=params, headers=headers)).json()
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == sorted(created)


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "WzEsMl0", "WyJub3QtYS11dWlkIl0"])
async def test_bad_cursor_is_400(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]], cursor: str
) -> None:
    response = await widget_client.get("/widgets", params={"cursor": cursor}, headers=as_user())

    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-cursor")


async def test_page_size_is_capped(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    response = await widget_client.get("/widgets", params={"limit": "5000"}, headers=as_user())

    assert response.status_code == 422


async def test_value_the_database_cannot_store_is_422_not_500(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    response = await widget_client.post("/widgets", json={"name": "a\u0000b"}, headers=as_user())

    assert response.status_code == 422
    assert response.json()["type"].endswith("/invalid-data")


async def test_cursor_carrying_a_nul_is_400(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    cursor = encode_cursor(["a\x00b"])
    response = await widget_client.get("/widgets", params={"cursor": cursor}, headers=as_user())

    assert response.status_code == 400
