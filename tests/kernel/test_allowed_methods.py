"""OPTIONS and 405 answers list every method a path's routes accept."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

PROBLEM = "application/problem+json"


async def test_options_lists_the_methods_of_every_route_on_the_path(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    headers = as_user()
    # GET and PUT on /widgets/{id} are two routes; both count.
    one = await widget_client.options(f"/widgets/{uuid.uuid4()}", headers=headers)
    assert one.status_code == 204
    assert one.headers["allow"] == "GET, PUT, OPTIONS"
    assert one.content == b""
    many = await widget_client.options("/widgets", headers=headers)
    assert many.status_code == 204
    assert many.headers["allow"] == "GET, POST, OPTIONS"


@pytest.mark.parametrize("method", ["DELETE", "PATCH", "TRACE", "CONNECT"])
async def test_405_carries_the_full_allow(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]], method: str
) -> None:
    response = await widget_client.request(method, f"/widgets/{uuid.uuid4()}", headers=as_user())
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["allow"] == "GET, PUT, OPTIONS"


async def test_unknown_path_is_404_whatever_the_method(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    for method in ("OPTIONS", "TRACE"):
        response = await widget_client.request(method, "/no-such-thing", headers=as_user())
        assert response.status_code == 404, method
        assert response.headers["content-type"] == PROBLEM
        assert "allow" not in response.headers


async def test_options_needs_the_same_credentials_as_any_other_method(
    widget_client: httpx.AsyncClient,
) -> None:
    refused = await widget_client.options("/widgets")
    assert refused.status_code == 401
    public = await widget_client.options("/healthz")
    assert public.status_code == 204
    assert public.headers["allow"] == "GET, OPTIONS"
