"""Merge the services' OpenAPI documents into the one the gateway serves.

Backend paths are prefixed with their gateway route; their component schemas are kept under
their own names where they are identical across documents (Problem, validation errors) and
renamed with the unit's name where two documents disagree, with every $ref rewritten.

The result is written for people reading it in Swagger UI: each unit's tags are prefixed with
the unit ("Workbook: cases"), so the page groups operations by service, in registry order, with
every tag's description; the conventions every operation shares are stated once at the top; and
every proxied operation documents the refusals the gateway itself can answer it with.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from services.errors import PROBLEM_MEDIA_TYPE, Problem
from services.openapi_refusals import add_gateway_refusals

# Paths every process serves for its own probes; they are not part of the public API.
_PRIVATE_PATHS = frozenset({"/healthz", "/readyz", "/openapi.json"})
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
PROBLEM_REF: Final = "#/components/schemas/Problem"

INTRODUCTION: Final = """\
One document for the whole system as seen through the gateway, grouped by service.

**Signing in.** Every operation needs `Authorization: Bearer <access token>` from the council's
identity provider: press *Authorize* and paste one. The gateway admits active practitioners of
its directory only, and each service then shows a caller only the records they may see.

**Conventions every operation follows**
- Errors are `application/problem+json` (RFC 9457) and name the request's `X-Request-ID`.
- A case you may not see does not exist for you: 404, exactly as for an unknown id.
- `X-Access-Purpose` says why you read or change case data; it is recorded in the audit log.
- Updates need `If-Match` with the `ETag` you read: 428 without it, 412 if the record changed.
- Creating requests take an `Idempotency-Key`: a retry with the same key gets the first answer.
- Lists come in pages: `limit` and `cursor` in, `items` and `next_cursor` out.
- 429 and 503 carry `Retry-After`: the seconds to wait before trying again.
"""


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


def group_tag(unit: str, tag: str) -> str:
    """The merged document's name for one unit's tag: "Workbook: cases"."""
    return f"{_title(unit)}: {tag}"


def _operations(item: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [op for method, op in item.items() if method in _HTTP_METHODS and isinstance(op, dict)]


def _services_table(sources: list[tuple[str, str, Mapping[str, Any]]], paths: set[str]) -> str:
    rows = ["| Group | Paths | Service |", "| --- | --- | --- |"]
    for unit, prefix, doc in sources:
        info = doc.get("info", {})
        roots = [prefix] if prefix else sorted({"/" + path.split("/")[1] for path in paths})
        where = ", ".join(f"`{root}`" for root in roots)
        text = " ".join(f"{info.get('title', '')}. {info.get('description', '')}".split())
        if not any(path not in _PRIVATE_PATHS for path in doc.get("paths", {})):
            text += " *No public operations yet.*"
        rows.append(f"| {_title(unit)} | {where} | {text.replace('|', '/')} |")
    return "\n".join(rows)


def merge_documents(
    gateway: Mapping[str, Any],
    backends: Mapping[str, tuple[str, Mapping[str, Any]]],
    *,
    title: str = "Family Safeguarding API",
    version: str = "0.1.0",
) -> dict[str, Any]:
    """Merge the gateway's document with each backend's, keyed by unit: (route prefix, doc).

    Backends keep the order given (the registry's), which is the order of the groups on the page.
    """
    merged: dict[str, Any] = {
        "openapi": gateway.get("openapi", "3.1.0"),
        "info": {"title": title, "version": version, "description": INTRODUCTION},
        "paths": {},
        "components": {
            "schemas": {},
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "An access token from the council's identity provider.",
                }
            },
        },
        "security": [{"bearer": []}],
        "tags": [],
    }
    schemas: dict[str, Any] = merged["components"]["schemas"]
    sources = [("gateway", "", gateway)] + [
        (unit, prefix, doc) for unit, (prefix, doc) in backends.items()
    ]
    gateway_paths: set[str] = set()
    used_tags: set[str] = set()
    operation_ids: dict[str, str] = {}
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
            merged_item = _rewrite_refs(copy.deepcopy(item), renames)
            for operation in _operations(merged_item):
                # A generated client names its methods after operation ids (`create_entry`), so
                # they stay as each unit wrote them and must not collide across units.
                operation_id = operation.get("operationId")
                if operation_id is not None:
                    if operation_id in operation_ids:
                        first = operation_ids[operation_id]
                        raise ValueError(
                            f"operation id {operation_id!r} is used by both {first} and {unit}:"
                            " rename one of the endpoints"
                        )
                    operation_ids[operation_id] = unit
                operation["tags"] = [group_tag(unit, tag) for tag in operation.get("tags", [])]
                operation["tags"] = operation["tags"] or [_title(unit)]
                used_tags.update(operation["tags"])
                if prefix:
                    add_gateway_refusals(operation, PROBLEM_REF)
            merged["paths"][prefix + path] = merged_item
            if not prefix:
                gateway_paths.add(path)
        for tag in doc.get("tags", []):
            entry = {**tag, "name": group_tag(unit, tag["name"])}
            if entry["name"] not in {known["name"] for known in merged["tags"]}:
                merged["tags"].append(entry)
    # Groups with no public operation (health) are left out; used but undeclared ones are kept.
    merged["tags"] = [tag for tag in merged["tags"] if tag["name"] in used_tags]
    declared = {tag["name"] for tag in merged["tags"]}
    merged["tags"].extend({"name": name} for name in sorted(used_tags - declared))
    if not merged["tags"]:
        del merged["tags"]
    if "Problem" not in schemas:
        schemas["Problem"] = Problem.model_json_schema()
    merged["info"]["description"] += "\n**Services**\n\n" + _services_table(sources, gateway_paths)
    _label_problem_responses(merged["paths"])
    return merged


def _label_problem_responses(paths: Mapping[str, Any]) -> None:
    """Name problem bodies by the media type they are sent with, not as plain JSON."""
    for item in paths.values():
        for operation in _operations(item):
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                plain = content.get("application/json", {})
                if plain.get("schema") == {"$ref": PROBLEM_REF}:
                    content.setdefault(PROBLEM_MEDIA_TYPE, content.pop("application/json"))
