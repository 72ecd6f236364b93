"""Merge the services' OpenAPI documents into the one the gateway serves.

Backend paths are prefixed with their gateway route; their component schemas are kept under
their own names where they are identical across documents (Problem, validation errors) and
renamed with the unit's name where two documents disagree, with every $ref rewritten.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

# Paths every process serves for its own probes; they are not part of the public API.
_PRIVATE_PATHS = frozenset({"/healthz", "/readyz", "/openapi.json"})


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                name = value.rsplit("/", 1)[-1]
                if value.startswith("#/components/schemas/") and name in renames:
                    value = "#/components/schemas/" + renames[name]
            out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _title(unit: str) -> str:
    return "".join(part.title() for part in unit.split("_"))


def merge_documents(
    gateway: Mapping[str, Any],
    backends: Mapping[str, tuple[str, Mapping[str, Any]]],
    *,
    title: str = "Family Safeguarding API",
    version: str = "0.1.0",
) -> dict[str, Any]:
    """Merge the gateway's document with each backend's, keyed by unit: (route prefix, doc)."""
    merged: dict[str, Any] = {
        "openapi": gateway.get("openapi", "3.1.0"),
        "info": {
            "title": title,
            "version": version,
            "description": (
                "One document for the whole system as seen through the gateway. Every request "
                "needs `Authorization: Bearer <access token>` from the council's identity provider."
            ),
        },
        "paths": {},
        "components": {
            "schemas": {},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
        "security": [{"bearer": []}],
        "tags": [],
    }
    schemas: dict[str, Any] = merged["components"]["schemas"]
    sources = [("gateway", "", gateway)] + [
        (unit, prefix, doc) for unit, (prefix, doc) in sorted(backends.items())
    ]
    for unit, prefix, doc in sources:
        renames: dict[str, str] = {}
        own = doc.get("components", {}).get("schemas", {})
        for name, schema in own.items():
            if name in schemas and schemas[name] != _rewrite_refs(schema, renames):
                renames[name] = f"{_title(unit)}{name}"
        for name, schema in own.items():
            schemas[renames.get(name, name)] = _rewrite_refs(copy.deepcopy(schema), renames)
        for path, item in doc.get("paths", {}).items():
            if path in _PRIVATE_PATHS:
                continue
            operations = _rewrite_refs(copy.deepcopy(item), renames)
            for operation in operations.values():
                # Operation ids must be unique across the merged document.
                if isinstance(operation, dict) and "operationId" in operation and prefix:
                    operation["operationId"] = f"{unit}__{operation['operationId']}"
            merged["paths"][prefix + path] = operations
        merged["tags"].extend(t for t in doc.get("tags", []) if t not in merged["tags"])
    if not merged["tags"]:
        del merged["tags"]
    return merged
