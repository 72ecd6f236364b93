"""What every unit's document says beyond FastAPI's: If-Match, unreadable bodies, key forms."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from services.openapi_conventions import apply_conventions
from services.settings import KernelSettings

PROBLEM = "application/problem+json"


def _document(*statuses: str, parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    responses = {status: {"description": status} for status in ("200", *statuses)}
    operation: dict[str, Any] = {"responses": responses}
    if parameters is not None:
        operation["parameters"] = parameters
    return {"paths": {"/things/{id}": {"patch": operation}}}


def _if_match(document: dict[str, Any]) -> dict[str, Any] | None:
    operation = document["paths"]["/things/{id}"]["patch"]
    found = [p for p in operation.get("parameters", []) if p["name"] == "If-Match"]
    assert len(found) <= 1, found
    return found[0] if found else None


def test_an_operation_answering_428_requires_if_match_though_its_handler_reads_the_request(
    kernel_settings: KernelSettings,
) -> None:
    parameter = _if_match(apply_conventions(_document("412", "428"), kernel_settings))

    assert parameter is not None
    assert (parameter["in"], parameter["required"]) == ("header", True)
    assert parameter["schema"] == {"type": "string", "title": "If-Match"}


def test_if_match_declared_by_the_handler_is_required_not_repeated(
    kernel_settings: KernelSettings,
) -> None:
    declared = {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "schema": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    }
    document = _document("412", "428", parameters=[declared])

    parameter = _if_match(apply_conventions(document, kernel_settings))

    assert parameter is not None
    assert parameter["required"] is True


def test_if_match_is_optional_where_only_a_stale_one_is_refused(
    kernel_settings: KernelSettings,
) -> None:
    parameter = _if_match(apply_conventions(_document("412"), kernel_settings))

    assert parameter is not None
    assert parameter["required"] is False


def test_an_operation_without_preconditions_takes_no_if_match(
    kernel_settings: KernelSettings,
) -> None:
    assert _if_match(apply_conventions(_document("404", "422"), kernel_settings)) is None


async def test_a_body_that_is_not_readable_json_is_a_documented_400(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]]
) -> None:
    document = (await widget_client.get("/openapi.json")).json()
    rename = document["paths"]["/widgets/{widget_id}"]["put"]
    assert "400" in rename["responses"]
    assert PROBLEM in rename["responses"]["400"]["content"]

    headers = {**as_user(), "Content-Type": "application/json"}
    # Not UTF-8: FastAPI cannot decode it, so it never reaches validation.
    response = await widget_client.put(
        "/widgets/00000000-0000-4000-8000-000000000000",
        content=b'{"name": "\xff"}',
        headers=headers,
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM


async def test_the_document_states_the_idempotency_key_form_the_service_checks(
    widget_client: httpx.AsyncClient,
) -> None:
    document = (await widget_client.get("/openapi.json")).json()
    [parameter] = [
        p
        for p in document["paths"]["/widgets"]["post"]["parameters"]
        if p["name"] == "Idempotency-Key"
    ]
    schema = parameter["schema"]

    assert (schema["minLength"], schema["maxLength"]) == (1, 255)
    pattern = re.compile(schema["pattern"])
    assert pattern.fullmatch("7f9c2ba4-e88f-4f1a-9e4c-3b7d1c0a5e21")
    assert not pattern.fullmatch("has space")


@pytest.mark.parametrize(
    "key",
    [b"has space", b"cl\xe9", b"tab\there"],
    ids=["space", "latin-1", "tab"],
)
async def test_a_key_outside_the_documented_form_is_400(
    widget_client: httpx.AsyncClient, as_user: Callable[[], dict[str, str]], key: bytes
) -> None:
    # As bytes, so the Latin-1 key reaches the app as sent.
    headers = [(name.encode(), value.encode()) for name, value in as_user().items()]
    response = await widget_client.post(
        "/widgets", json={"name": "a"}, headers=[*headers, (b"Idempotency-Key", key)]
    )

    assert response.status_code == 400, response.text
    assert response.json()["type"].endswith("/invalid-idempotency-key")
