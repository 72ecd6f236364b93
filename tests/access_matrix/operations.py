"""Every operation of every unit, read from the OpenAPI document its own app publishes."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from services.internal_auth import PUBLIC_PATHS, is_capability_request
from services.registry import UNITS, Unit

METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Operation:
    """One method on one path of one unit, with its OpenAPI description."""

    unit: Unit
    method: str
    path: str
    spec: dict[str, Any]
    document: dict[str, Any]

    @property
    def key(self) -> str:
        """How expectations name the operation: method and public path template (as called at
        the gateway, so two units' `/cases/...` never share a name), stable across operation-id
        schemes."""
        return f"{self.method} {self.public_path()}"

    @property
    def label(self) -> str:
        return f"{self.unit.name}: {self.key}"

    @property
    def is_read(self) -> bool:
        return self.method in READ_METHODS

    @property
    def is_public(self) -> bool:
        return self.path in PUBLIC_PATHS

    @property
    def is_capability(self) -> bool:
        """A capability URL: the secret in its path is its credential, not a token."""
        return is_capability_request(self.method, self.path)

    def parameters(self, where: str) -> list[dict[str, Any]]:
        """The operation's parameters in `path`, `query` or `header`, references resolved."""
        found = []
        for param in self.spec.get("parameters", []):
            param = self.resolve(param)
            if param.get("in") == where:
                found.append(param)
        return found

    def body_schema(self) -> dict[str, Any] | None:
        """The JSON request body's schema, if the operation takes one."""
        body = self.spec.get("requestBody")
        if body is None or self.raw_body_media() is not None:
            return None
        content = self.resolve(body).get("content", {})
        # SCIM's media type is JSON too (RFC 7644 3.1).
        media = next(
            (m for m in ("application/json", "application/scim+json") if m in content), None
        )
        if media is None:
            raise AssertionError(f"{self.label}: only JSON request bodies are understood")
        schema: dict[str, Any] = content[media].get("schema", {})
        return schema

    def raw_body_media(self) -> str | None:
        """The media type of a body that is not JSON (a file upload), if that is what it takes."""
        body = self.spec.get("requestBody")
        if body is None:
            return None
        content = self.resolve(body).get("content", {})
        # SCIM's media type is JSON too (RFC 7644 3.1).
        if not content or any(m in content for m in ("application/json", "application/scim+json")):
            return None
        return str(next(iter(content)))

    def body_required(self) -> bool:
        return bool(self.spec.get("requestBody", {}).get("required", False))

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """Follow a local `$ref` (repeatedly) to the node it names."""
        while "$ref" in node:
            ref: str = node["$ref"]
            assert ref.startswith("#/"), ref
            target: Any = self.document
            for part in ref[2:].split("/"):
                target = target[part]
            node = target
        return node

    def public_path(self) -> str:
        """The path as a client calls it at the gateway (the backend's route prefix added)."""
        return (self.unit.route_prefix or "") + self.path


AppFactory = Callable[[Unit], FastAPI]


def unit_app_factory(unit: Unit) -> Callable[..., FastAPI]:
    """The unit's `create_app`, as the registry names it."""
    module_name, _, attribute = unit.app_factory.partition(":")
    factory: Callable[..., FastAPI] = getattr(importlib.import_module(module_name), attribute)
    return factory


def document_operations(unit: Unit, document: dict[str, Any]) -> Iterator[Operation]:
    """The operations one OpenAPI document declares."""
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield Operation(unit, method.upper(), path, item[method], document)


def all_operations(build_app: AppFactory) -> list[Operation]:
    """Every operation of every unit in the registry, from each app's own document."""
    operations: list[Operation] = []
    for unit in UNITS:
        document = build_app(unit).openapi()
        operations.extend(document_operations(unit, document))
    return operations
