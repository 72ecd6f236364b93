"""Make each unit's OpenAPI document say what its responses really are.

FastAPI documents errors as `application/json` with its own validation schema; every error here
is RFC 9457 `application/problem+json`. This rewrites each error response to the Problem schema
(ValidationProblem for 422), adds those schemas, and gives `X-Access-Purpose` the enum of the
purposes this deployment accepts, so a generated client knows them. An operation that answers
412 or 428 takes `If-Match` (required where a missing one is a 428), whether its handler declares
the header or reads it from the request.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from services.auditing import PURPOSE_HEADER
from services.concurrency import IF_MATCH_DESCRIPTION, IF_MATCH_HEADER
from services.errors import PROBLEM_MEDIA_TYPE, FieldErrorItem, Problem, ValidationProblemDetails
from services.settings import KernelSettings

_REF = "#/components/schemas/{model}"
PURPOSE_SCHEMA = "AccessPurpose"
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_SCHEMAS = (Problem, ValidationProblemDetails, FieldErrorItem)
# FastAPI's default error media type, and ours: any other is a protocol's own and stays.
_REWRITTEN = frozenset({"application/json", PROBLEM_MEDIA_TYPE})


def _schema(model: Any) -> dict[str, Any]:
    schema: dict[str, Any] = model.model_json_schema(ref_template=_REF)
    schema.pop("$defs", None)
    return schema


def _problem_content(status: str) -> dict[str, Any]:
    name = ValidationProblemDetails.__name__ if status == "422" else Problem.__name__
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _document_if_match(operation: dict[str, Any]) -> None:
    responses = operation.get("responses", {})
    if "412" not in responses and "428" not in responses:
        return
    parameters = operation.setdefault("parameters", [])
    declared = [
        p
        for p in parameters
        if p.get("in") == "header" and str(p.get("name", "")).lower() == IF_MATCH_HEADER.lower()
    ]
    if declared:
        parameter = declared[0]
    else:
        parameter = {"name": IF_MATCH_HEADER, "in": "header", "description": IF_MATCH_DESCRIPTION}
        parameters.append(parameter)
    parameter["schema"] = {"type": "string", "title": IF_MATCH_HEADER}
    # 428 is how the handler says a missing If-Match is not allowed.
    parameter["required"] = "428" in responses


def _protocol_errors(responses: dict[str, Any]) -> bool:
    return any(
        status[:1] in ("4", "5") and not set(response.get("content", {})) <= _REWRITTEN
        for status, response in responses.items()
    )


def _drop_generated_validation_error(operation: dict[str, Any]) -> None:
    """FastAPI's own 422 goes from an operation whose errors are another protocol's.

    Such a route (SCIM's) turns a request it cannot validate into that protocol's error (a SCIM
    400 `invalidSyntax`), so the 422 FastAPI adds for every route with parameters is never sent.
    """
    responses = operation.get("responses", {})
    generated = responses.get("422", {}).get("content", {}).get("application/json", {})
    if _protocol_errors(responses) and generated.get("schema", {}).get("$ref", "").endswith(
        "/HTTPValidationError"
    ):
        del responses["422"]


def apply_conventions(document: dict[str, Any], settings: KernelSettings) -> dict[str, Any]:
    """Rewrite error responses as problem+json and document the access purposes (in place)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in _SCHEMAS:
        schemas[model.__name__] = _schema(model)
    # One schema for every operation, so a generated client has one AccessPurpose type.
    schemas[PURPOSE_SCHEMA] = {
        "title": PURPOSE_SCHEMA,
        "type": "string",
        "enum": list(settings.access_purposes),
        "default": settings.default_access_purpose,
        "description": "Why the caller needs the data, as this council's configuration names it.",
    }
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            _drop_generated_validation_error(operation)
            for status, response in operation.get("responses", {}).items():
                # A protocol with errors of its own (SCIM's application/scim+json) keeps them.
                if status[:1] in ("4", "5") and set(response.get("content", {})) <= _REWRITTEN:
                    response["content"] = _problem_content(status)
            _document_if_match(operation)
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name") == PURPOSE_HEADER:
                    parameter["schema"] = {"$ref": f"#/components/schemas/{PURPOSE_SCHEMA}"}
    for name in _FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    return document


def install_openapi_conventions(app: FastAPI, settings: KernelSettings) -> None:
    """Serve the app's document with the conventions applied (built once, then cached)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = apply_conventions(generate(), settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
