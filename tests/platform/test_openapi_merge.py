"""The merged OpenAPI document reads well on the docs page and tells the whole truth.

Operations are grouped by service (tags prefixed with the unit, in registry order, every one
described), and every operation behind the gateway documents the refusals the gateway itself
can answer it with, as problem+json.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from services.cli import openapi_documents
from services.errors import PROBLEM_MEDIA_TYPE
from services.openapi_merge import PROBLEM_REF, merge_documents
from services.openapi_refusals import GATEWAY_REFUSALS
from services.registry import BACKENDS

METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture(scope="module")
def merged() -> dict[str, Any]:
    return openapi_documents()["merged"]


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def is_proxied(path: str) -> bool:
    return any(path.startswith(f"{unit.route_prefix}/") for unit in BACKENDS)


def test_every_operation_sits_in_a_described_service_group(merged: dict[str, Any]) -> None:
    declared = {tag["name"]: tag.get("description", "") for tag in merged["tags"]}
    used = set()
    for path, method, operation in operations(merged):
        assert len(operation["tags"]) == 1, (method, path)
        service = operation["tags"][0].split(": ", 1)[0]
        expected = next(
            (u.name.title() for u in BACKENDS if path.startswith(f"{u.route_prefix}/")),
            "Gateway",
        )
        assert service == expected, (method, path, operation["tags"])
        used.update(operation["tags"])

    assert used == set(declared)  # no group without operations (health), none undeclared
    assert all(description.strip() for description in declared.values()), declared
    assert {"Gateway: me", "Workbook: cases"} <= used


def test_groups_come_in_registry_order_gateway_first(merged: dict[str, Any]) -> None:
    services = list(dict.fromkeys(tag["name"].split(": ", 1)[0] for tag in merged["tags"]))
    order = ["Gateway", *(unit.name.title() for unit in BACKENDS)]

    assert services == [name for name in order if name in services]


def test_every_proxied_operation_documents_the_gateways_refusals(merged: dict[str, Any]) -> None:
    proxied = [(path, method, op) for path, method, op in operations(merged) if is_proxied(path)]
    assert proxied

    for path, method, operation in proxied:
        responses = operation["responses"]
        statuses = set(GATEWAY_REFUSALS) | ({"413"} if "requestBody" in operation else set())
        for status in statuses:
            response = responses.get(status)
            assert response is not None, (method, path, status)
            assert response["content"][PROBLEM_MEDIA_TYPE]["schema"] == {"$ref": PROBLEM_REF}
            assert "From the gateway: " in response["description"]
        assert "Retry-After" in responses["429"]["headers"]
        assert "Retry-After" in responses["503"]["headers"]
        assert "WWW-Authenticate" in responses["401"]["headers"]
    assert "Problem" in merged["components"]["schemas"]


def test_the_gateways_own_operations_are_not_said_to_be_proxied(merged: dict[str, Any]) -> None:
    me = merged["paths"]["/me"]["get"]["responses"]

    assert "502" not in me
    assert "504" not in me


def test_no_problem_is_labelled_as_plain_json(merged: dict[str, Any]) -> None:
    for path, method, operation in operations(merged):
        for status, response in operation["responses"].items():
            plain = response.get("content", {}).get("application/json", {})
            assert plain.get("schema") != {"$ref": PROBLEM_REF}, (method, path, status)


def backend_document(
    operation_id: str = "create_widget", responses: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Widgets", "description": "Widgets for tests."},
        "paths": {
            "/widgets": {
                "post": {
                    "tags": ["widgets"],
                    "operationId": operation_id,
                    "requestBody": {"content": {"application/json": {"schema": {}}}},
                    "responses": responses or {},
                }
            },
            "/healthz": {"get": {"tags": ["health"], "responses": {}}},
        },
        "tags": [
            {"name": "health", "description": "Probes."},
            {"name": "widgets", "description": "Widgets and their parts."},
        ],
    }


def test_a_services_own_meaning_of_a_status_is_kept_beside_the_gateways() -> None:
    own_403 = {
        "description": "The caller's role may not create widgets",
        "content": {"application/json": {"schema": {"$ref": PROBLEM_REF}}},
    }
    gateway = {"openapi": "3.1.0", "info": {"title": "Gateway"}, "paths": {}}
    merged = merge_documents(
        gateway, {"widget": ("/widgets", backend_document(responses={"403": own_403}))}
    )

    operation = merged["paths"]["/widgets/widgets"]["post"]
    forbidden = operation["responses"]["403"]
    assert forbidden["description"].startswith("The caller's role may not create widgets. ")
    assert "From the gateway: the token's subject is not an active" in forbidden["description"]
    assert set(forbidden["content"]) == {PROBLEM_MEDIA_TYPE}
    assert "413" in operation["responses"]
    assert operation["tags"] == ["Widget: widgets"]
    # Operation ids stay as the unit named them: a generated client calls `create_widget`.
    assert operation["operationId"] == "create_widget"
    assert merged["tags"] == [
        {"name": "Widget: widgets", "description": "Widgets and their parts."}
    ]
    # No document declared Problem: the kernel's own schema is added for the refusals' $ref.
    assert merged["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    assert "/widgets/healthz" not in merged["paths"]


def test_backends_keep_the_order_they_are_given() -> None:
    gateway = {"openapi": "3.1.0", "info": {"title": "Gateway"}, "paths": {}}
    backends = {
        name: (
            f"/{name}",
            backend_document(f"create_{name}_widget")
            | {"tags": [{"name": "widgets", "description": "W"}]},
        )
        for name in ("zeta", "alpha")
    }

    merged = merge_documents(gateway, backends)

    assert [tag["name"] for tag in merged["tags"]] == ["Zeta: widgets", "Alpha: widgets"]


def test_an_operation_id_used_by_two_units_is_refused() -> None:
    gateway = {"openapi": "3.1.0", "info": {"title": "Gateway"}, "paths": {}}
    with pytest.raises(ValueError, match="create_widget"):
        merge_documents(
            gateway,
            {
                "widget": ("/widgets", backend_document()),
                "gadget": ("/gadgets", backend_document()),
            },
        )
